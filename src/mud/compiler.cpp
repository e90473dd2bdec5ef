#include "mud/compiler.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace spin::mud {

namespace {

using proto::Opener;
using proto::PolicyEntry;
using proto::Toward;

void sort_unique(std::vector<IpPrefix>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

// The addresses in both lists: where one prefix holds the other, the narrower.
std::vector<IpPrefix> intersect(const std::vector<IpPrefix>& a, const std::vector<IpPrefix>& b) {
    std::vector<IpPrefix> out;
    for (const IpPrefix& x : a)
        for (const IpPrefix& y : b) {
            if (x.version() != y.version()) continue;
            if (x.length() <= y.length() && x.contains(y.bytes(), y.version()))
                out.push_back(y);
            else if (y.length() < x.length() && y.contains(x.bytes(), x.version()))
                out.push_back(x);
        }
    sort_unique(out);
    return out;
}

// What never leaves the home, whatever its prefixes: link-local unicast,
// link- and site-scope multicast, broadcast.  MUD files name SSDP
// (239.255.255.250, ff05::c) and IGMP (224.0.0.22) as local-networks.
const std::vector<IpPrefix>& on_link() {
    static const std::vector<IpPrefix> kOnLink = [] {
        std::vector<IpPrefix> v;
        for (const char* p : {"169.254.0.0/16", "224.0.0.0/24", "239.0.0.0/8", "255.255.255.255/32", "fe80::/10",
                              "ff02::/16", "ff05::/16"})
            v.push_back(*IpPrefix::parse(p));
        return v;
    }();
    return kOnLink;
}

uint8_t version_of(const Ace& ace, AclType type) {
    if (ace.ip) return ace.ip->version;
    if (type == AclType::ipv4 || type == AclType::mixed_eth_ipv4) return 4;
    if (type == AclType::ipv6 || type == AclType::mixed_eth_ipv6) return 6;
    return 0;
}

class EntryCompiler {
public:
    EntryCompiler(const Profile& p, const Device& d, const Home& h, std::vector<std::string>& notes)
        : profile_(p), device_(d), home_(h), notes_(notes) {}

    // The entry, or nullopt (with a note) if it can never match.
    std::optional<PolicyEntry> compile(const Acl& acl, const Ace& ace, Toward toward);

private:
    std::optional<std::vector<IpPrefix>> abstraction(const MudMatch& m, const std::string& where);
    std::vector<IpPrefix> peers(const std::string& where, const std::string& what,
                                bool (*same)(const std::string&, const std::string&), const std::string& value);
    void note(const std::string& where, const std::string& what) { notes_.push_back(where + ": " + what); }

    const Profile& profile_;
    const Device& device_;
    const Home& home_;
    std::vector<std::string>& notes_;
};

std::vector<IpPrefix> EntryCompiler::peers(const std::string& where, const std::string& what,
                                           bool (*same)(const std::string&, const std::string&),
                                           const std::string& value) {
    std::vector<IpPrefix> out;
    for (const Home::Peer& peer : home_.devices)
        if (peer.mac != device_.mac && same(peer.mud_url, value))
            out.insert(out.end(), peer.addresses.begin(), peer.addresses.end());
    if (out.empty()) note(where, fmt::format("{} names no device with an address yet", what));
    return out;
}

std::optional<std::vector<IpPrefix>> EntryCompiler::abstraction(const MudMatch& m, const std::string& where) {
    std::optional<std::vector<IpPrefix>> out;
    const auto narrow = [&](std::vector<IpPrefix> set) {
        sort_unique(set);
        out = out ? intersect(*out, set) : std::move(set);
    };
    const auto by_authority = [](const std::string& url, const std::string& host) { return authority_of(url) == host; };
    const auto by_url = [](const std::string& url, const std::string& model) { return url == model; };
    if (m.local_networks) {
        if (home_.local_networks.empty()) note(where, "local-networks: the configuration names no LAN prefix");
        std::vector<IpPrefix> set = home_.local_networks;
        set.insert(set.end(), on_link().begin(), on_link().end());
        narrow(std::move(set));
    }
    if (m.controller) {
        std::vector<IpPrefix> set;
        if (auto it = home_.controllers.find(*m.controller); it != home_.controllers.end())
            set = it->second;
        else if (*m.controller == "urn:ietf:params:mud:dns")
            set = device_.dns_servers;
        else if (*m.controller == "urn:ietf:params:mud:ntp")
            set = device_.ntp_servers;
        if (set.empty())
            note(where,
                 fmt::format("controller {} names no address (mud.controllers, or DHCP for dns / ntp)", *m.controller));
        narrow(std::move(set));
    }
    if (m.my_controller) {
        std::vector<IpPrefix> set;
        if (auto it = home_.my_controllers.find(profile_.mud_url); it != home_.my_controllers.end()) set = it->second;
        if (set.empty()) note(where, "my-controller: the configuration names none for " + profile_.mud_url);
        narrow(std::move(set));
    }
    if (m.manufacturer) narrow(peers(where, "manufacturer " + *m.manufacturer, by_authority, *m.manufacturer));
    if (m.same_manufacturer) {
        const std::string own = authority_of(profile_.mud_url);
        narrow(peers(where, "same-manufacturer (" + own + ")", by_authority, own));
    }
    if (m.model) narrow(peers(where, "model " + *m.model, by_url, *m.model));
    return out;
}

std::optional<PolicyEntry> EntryCompiler::compile(const Acl& acl, const Ace& ace, Toward toward) {
    const std::string where = acl.name + "/" + ace.name;
    if (!ace.unusable.empty()) {
        note(where, "left out, it never matches (" + ace.unusable + ")");
        return std::nullopt;
    }
    PolicyEntry e;
    e.acl = acl.name;
    e.ace = ace.name;
    e.accept = ace.action == Action::accept;
    e.toward = toward;
    e.ip_version = version_of(ace, acl.type);
    const bool out = toward == Toward::remote;  // from the device: the remote is the destination
    if (ace.eth) {
        e.ethertype = ace.eth->ethertype;
        e.remote_mac = out ? ace.eth->dst_mac : ace.eth->src_mac;
        const auto& own = out ? ace.eth->src_mac : ace.eth->dst_mac;
        if (own && *own != device_.mac) {
            note(where, fmt::format("left out, it names another device's MAC ({})", own->to_string()));
            return std::nullopt;
        }
    }
    if (ace.ip && ace.ip->protocol)
        e.proto = ace.ip->protocol;
    else if (ace.transport)
        e.proto = ace.transport->protocol;
    if (ace.icmp) {
        if (e.ip_version == 0) {
            note(where, "left out, an icmp match without an IP version");
            return std::nullopt;
        }
        e.proto = e.ip_version == 4 ? 1 : 58;
        e.icmp_type = ace.icmp->type;
        e.icmp_code = ace.icmp->code;
    }
    if (ace.ip) {
        const auto& remote_net = out ? ace.ip->dst_network : ace.ip->src_network;
        const auto& device_net = out ? ace.ip->src_network : ace.ip->dst_network;
        const auto& name = out ? ace.ip->dst_dnsname : ace.ip->src_dnsname;
        if (remote_net) e.remotes = std::vector<IpPrefix>{*remote_net};
        if (device_net) e.device_networks = {*device_net};
        if (name) e.domain = *name;
    }
    if (auto set = abstraction(ace.mud, where)) e.remotes = e.remotes ? intersect(*e.remotes, *set) : std::move(*set);
    if (e.remotes && e.ip_version != 0)
        std::erase_if(*e.remotes, [&](const IpPrefix& p) { return p.version() != e.ip_version; });
    if (ace.transport) {
        const PortRange any;
        e.device_port = (out ? ace.transport->src_port : ace.transport->dst_port).value_or(any);
        e.remote_port = (out ? ace.transport->dst_port : ace.transport->src_port).value_or(any);
        if (ace.transport->initiated)
            e.opened_by = *ace.transport->initiated == Direction::from_device ? Opener::device : Opener::remote;
    }
    return e;
}

}  // namespace

bool is_local(const Home& home, const IpPrefix& address) {
    for (const auto* set : {&home.local_networks, &on_link()})
        for (const IpPrefix& p : *set)
            if (p.contains(address.bytes(), address.version())) return true;
    return false;
}

std::string authority_of(const std::string& url) {
    std::string_view rest = url;
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (rest.starts_with('['))
        rest = rest.substr(0, rest.find(']') + 1);
    else
        rest = rest.substr(0, rest.find(':'));
    std::string host(rest);
    for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return host;
}

Compiled compile(const Profile& profile, const Device& device, const Home& home, proto::PolicyMode mode) {
    Compiled out;
    out.policy.mac = device.mac;
    out.policy.mode = mode;
    out.policy.profile = profile.mud_url;
    EntryCompiler c(profile, device, home, out.notes);
    for (const auto& [toward, names] :
         {std::pair{Toward::remote, &profile.from_device}, std::pair{Toward::device, &profile.to_device}})
        for (const std::string& name : *names)
            if (const Acl* acl = profile.acl(name))
                for (const Ace& ace : acl->aces)
                    if (auto e = c.compile(*acl, ace, toward)) out.policy.entries.push_back(std::move(*e));
    return out;
}

}  // namespace spin::mud
