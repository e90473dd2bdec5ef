#include "mud/learner.h"

#include <map>
#include <set>

namespace spin::mud {

namespace {

using proto::Opener;

// How an entry names the remote end.
struct RemoteName {
    enum Kind { controller, name, local, address } kind = address;
    std::string value;  // the class URN, the DNS name or the address
    auto operator<=>(const RemoteName&) const = default;
};

std::vector<RemoteName> remote_names(const Observation& o, const Home& home) {
    for (const auto& [urn, addresses] : home.controllers)
        for (const IpPrefix& a : addresses)
            if (a.contains(o.remote.bytes(), o.remote.version())) return {{RemoteName::controller, urn}};
    if (!o.names.empty()) {
        std::vector<RemoteName> out;
        for (const DnsName& n : o.names) out.push_back({RemoteName::name, n.to_string()});
        return out;
    }
    if (is_local(home, o.remote)) return {{RemoteName::local, ""}};
    return {{RemoteName::address, o.remote.to_string()}};
}

// One entry to write, as a key: the same key is one entry.
struct EntryKey {
    uint8_t version = 4;
    bool to_device = false;
    RemoteName remote;
    uint8_t proto = 0;
    bool remote_opened = false;
    int port = -1;  // service port, or ICMP type; -1 none
    auto operator<=>(const EntryKey&) const = default;
};

Ace make_ace(const EntryKey& k, const std::string& name) {
    Ace a;
    a.name = name;
    const bool out = !k.to_device;
    IpMatch ip;
    ip.version = k.version;
    ip.protocol = k.proto;
    switch (k.remote.kind) {
    case RemoteName::controller: a.mud.controller = k.remote.value; break;
    case RemoteName::local: a.mud.local_networks = true; break;
    case RemoteName::name: (out ? ip.dst_dnsname : ip.src_dnsname) = DnsName::parse(k.remote.value); break;
    case RemoteName::address: (out ? ip.dst_network : ip.src_network) = IpPrefix::parse(k.remote.value); break;
    }
    a.ip = ip;
    if (k.proto == 6 || k.proto == 17) {
        TransportMatch t;
        t.protocol = k.proto;
        // The service port is the remote's when the device opened the flow.
        const bool remote_side = !k.remote_opened;
        const PortRange p = PortRange::only(static_cast<uint16_t>(k.port));
        if (remote_side == out)
            t.dst_port = p;
        else
            t.src_port = p;
        if (k.proto == 6) t.initiated = k.remote_opened ? Direction::to_device : Direction::from_device;
        a.transport = t;
    } else if (k.proto == 1 || k.proto == 58) {
        IcmpMatch i;
        if (k.port >= 0) i.type = static_cast<uint8_t>(k.port);
        a.icmp = i;
    }
    return a;
}

}  // namespace

Profile learn(const std::vector<Observation>& seen, const LearnContext& context) {
    std::set<EntryKey> keys;
    for (const Observation& o : seen) {
        if (o.remote.version() != 4 && o.remote.version() != 6) continue;
        if (is_network_service(o) && !(o.ported() && o.port == 53)) continue;  // DHCP, ND: always pass
        const bool remote_opened = o.opener == Opener::remote;
        // Which directions carried packets: the opener's always does.
        const bool sent = o.pkts_out != 0 || !remote_opened || o.proto == 6;
        const bool received = o.pkts_in != 0 || remote_opened || o.proto == 6;
        for (const RemoteName& r : remote_names(o, context.home)) {
            EntryKey k{o.remote.version(), false, r, o.proto, remote_opened, -1};
            if (o.ported()) {
                k.port = o.port;
            } else if (o.icmp()) {
                // The opener's messages by their type, the answers by theirs when it is fixed.
                const int reply = icmp_reply_type(o.proto, static_cast<uint8_t>(o.port));
                k.port = remote_opened ? reply : o.port;
                if (sent) keys.insert(k);
                k.to_device = true;
                k.port = remote_opened ? o.port : reply;
                if (received) keys.insert(k);
                continue;
            }
            if (sent) keys.insert(k);
            k.to_device = true;
            if (received) keys.insert(k);
        }
    }

    Profile p;
    p.mud_url = context.mud_url;
    p.last_update = context.last_update;
    p.systeminfo = context.systeminfo;
    p.mfg_name = context.mfg_name;
    p.cache_validity = 48;
    std::map<std::pair<uint8_t, bool>, Acl> acls;  // (version, to_device)
    std::map<std::pair<uint8_t, bool>, int> counts;
    for (const EntryKey& k : keys) {
        Acl& acl = acls[{k.version, k.to_device}];
        if (acl.name.empty()) {
            acl.name = std::string(k.to_device ? "to" : "from") + "-ipv" + std::to_string(k.version) + "-learnt";
            acl.type = k.version == 4 ? AclType::ipv4 : AclType::ipv6;
        }
        const int n = ++counts[{k.version, k.to_device}];
        acl.aces.push_back(make_ace(k, std::string(k.to_device ? "in" : "out") + std::to_string(n)));
    }
    for (auto& [key, acl] : acls) {
        (key.second ? p.to_device : p.from_device).push_back(acl.name);
        p.acls.push_back(std::move(acl));
    }
    return p;
}

}  // namespace spin::mud
