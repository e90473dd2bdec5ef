#include "dataplane/policy_tables.h"

#include <algorithm>
#include <stdexcept>

namespace spin::dp {

namespace {

constexpr uint16_t kArp = 0x0806;

bool has_ports(uint8_t proto) { return proto == 6 || proto == 17 || proto == 132 || proto == 136; }
bool is_icmp(uint8_t proto) { return proto == 1 || proto == 58; }

}  // namespace

void PolicyTables::add_prefixes(const std::vector<IpPrefix>& in, Rule& r, bool device_side) {
    if (device_side)
        r.device_first = static_cast<uint32_t>(prefixes_.size());
    else {
        r.hosts_first = static_cast<uint32_t>(hosts_.size());
        r.prefixes_first = static_cast<uint32_t>(prefixes_.size());
    }
    for (const IpPrefix& p : in) {
        const Addr128 a = Addr128::load(p.bytes(), p.version());
        if (!device_side && p.is_host())
            hosts_.push_back({p.version(), a});
        else
            prefixes_.push_back({p.version(), Addr128::mask(p.length()), a & Addr128::mask(p.length())});
    }
    if (device_side) {
        r.device_count = static_cast<uint32_t>(prefixes_.size()) - r.device_first;
        return;
    }
    r.hosts_count = static_cast<uint32_t>(hosts_.size()) - r.hosts_first;
    r.prefixes_count = static_cast<uint32_t>(prefixes_.size()) - r.prefixes_first;
    const auto begin = hosts_.begin() + r.hosts_first;
    std::sort(begin, hosts_.end());
    hosts_.erase(std::unique(begin, hosts_.end()), hosts_.end());
    r.hosts_count = static_cast<uint32_t>(hosts_.size()) - r.hosts_first;
}

PolicyTables::PolicyTables(uint32_t version, std::vector<DevicePolicyTable> devices, NetworkServices services)
    : version_(version), services_(std::move(services)) {
    std::sort(devices.begin(), devices.end(), [](const auto& a, const auto& b) { return a.mac < b.mac; });
    for (size_t i = 1; i < devices.size(); ++i)
        if (devices[i].mac == devices[i - 1].mac)
            throw std::invalid_argument("two MUD policies for " + devices[i].mac.to_string());
    for (const DevicePolicyTable& in : devices) {
        if (in.rule == 0) throw std::invalid_argument("policy rule id 0 is reserved");
        if (in.rules.size() > kMaxPolicyEntries) throw std::invalid_argument("too many policy entries");
        Device d{.mac = in.mac.to_u64(),
                 .rule = in.rule,
                 .enforce = in.enforce,
                 .hold_answers = in.hold_answers,
                 .accept_first = static_cast<uint32_t>(accept_.size()),
                 .entries = static_cast<uint32_t>(in.rules.size())};
        for (const PolicyRule& p : in.rules) accept_.push_back(p.accept ? 1 : 0);
        for (int dir = 0; dir < 2; ++dir) {
            d.first[dir] = static_cast<uint32_t>(rules_.size());
            for (size_t i = 0; i < in.rules.size(); ++i) {
                const PolicyRule& p = in.rules[i];
                if (p.dir != dir) continue;
                Rule r{.entry = static_cast<uint16_t>(i),
                       .accept = p.accept,
                       .ip_version = p.ip_version,
                       .ethertype = p.ethertype,
                       .proto = p.proto,
                       .any_remote = p.any_remote,
                       .has_remote_mac = p.has_remote_mac,
                       .remote_mac = p.remote_mac.to_u64(),
                       .remote_port = p.remote_port,
                       .device_port = p.device_port,
                       .opener = p.opener,
                       .icmp_type = p.icmp_type,
                       .icmp_code = p.icmp_code};
                add_prefixes(p.any_remote ? std::vector<IpPrefix>{} : p.remotes, r, false);
                add_prefixes(p.device_networks, r, true);
                rules_.push_back(r);
            }
            d.count[dir] = static_cast<uint32_t>(rules_.size()) - d.first[dir];
            d.icmp_first[dir] = static_cast<uint32_t>(icmp_.size());
            for (uint32_t k = d.first[dir]; k < d.first[dir] + d.count[dir]; ++k)
                if (rules_[k].proto < 0 || is_icmp(static_cast<uint8_t>(rules_[k].proto))) icmp_.push_back(k);
            d.icmp_count[dir] = static_cast<uint32_t>(icmp_.size()) - d.icmp_first[dir];
        }
        index(devices_.size(), d);
        devices_.push_back(d);
    }
    std::sort(exact_.begin(), exact_.end());
}

void PolicyTables::index(size_t device, Device& d) {
    for (int dir = 0; dir < 2; ++dir) {
        for (int c = 0; c < 3; ++c) {
            d.wide_first[dir][c] = static_cast<uint32_t>(candidates_.size());
            for (uint32_t k = d.first[dir]; k < d.first[dir] + d.count[dir]; ++k) {
                const Rule& r = rules_[k];
                if (r.has_remote_mac) continue;  // non-IP frames only
                if (c == 2) {
                    if (r.proto < 0 || (r.proto != 6 && r.proto != 17)) candidates_.push_back(k);
                    continue;
                }
                // An ICMP type or code needs an ICMP packet: never TCP or UDP.
                if ((r.proto >= 0 && r.proto != (c == 0 ? 6 : 17)) || r.icmp_type >= 0 || r.icmp_code >= 0) continue;
                const PortRange& p = r.remote_port;
                if (p.lower == p.upper && !p.negate)
                    exact_.push_back({exact_key(device, dir, c, p.lower), k});
                else
                    candidates_.push_back(k);
            }
            d.wide_count[dir][c] = static_cast<uint32_t>(candidates_.size()) - d.wide_first[dir][c];
        }
    }
}

const PolicyTables::Device* PolicyTables::find(const uint8_t* mac) const {
    if (devices_.empty() || mac == nullptr) return nullptr;
    const uint64_t m = MacAddress::to_u64(mac);
    const auto it =
        std::lower_bound(devices_.begin(), devices_.end(), m, [](const Device& d, uint64_t k) { return d.mac < k; });
    return it != devices_.end() && it->mac == m ? &*it : nullptr;
}

bool PolicyTables::remote_in(const Rule& r, const Addr128& a, uint8_t v) const {
    if (r.any_remote) return true;
    if (r.hosts_count != 0) {
        const auto begin = hosts_.begin() + r.hosts_first, end = begin + r.hosts_count;
        if (std::binary_search(begin, end, Host{v, a})) return true;
    }
    for (uint32_t i = r.prefixes_first; i < r.prefixes_first + r.prefixes_count; ++i) {
        const Prefix& p = prefixes_[i];
        if (p.ip_version == v && (a & p.mask) == p.addr) return true;
    }
    return false;
}

bool PolicyTables::device_in(const Rule& r, const Addr128& a, uint8_t v) const {
    if (r.device_count == 0) return true;
    for (uint32_t i = r.device_first; i < r.device_first + r.device_count; ++i) {
        const Prefix& p = prefixes_[i];
        if (p.ip_version == v && (a & p.mask) == p.addr) return true;
    }
    return false;
}

bool PolicyTables::matches(const Rule& r, const FlowKey& key, bool lan_is_a, uint8_t initiator,
                           const PacketFacts* packet) const {
    if (r.has_remote_mac) return false;
    if (r.ip_version != 0 && r.ip_version != key.ip_version) return false;
    if (r.ethertype >= 0 && r.ethertype != (key.ip_version == 6 ? 0x86dd : 0x0800)) return false;
    if (r.proto >= 0 && r.proto != key.proto) return false;
    if (!r.remote_port.any() || !r.device_port.any()) {
        if (!has_ports(key.proto)) return false;
        const uint16_t lan_port = lan_is_a ? key.port_a : key.port_b;
        const uint16_t remote_port = lan_is_a ? key.port_b : key.port_a;
        if (!r.remote_port.matches(remote_port) || !r.device_port.matches(lan_port)) return false;
    }
    // A flow picked up mid-stream (the agent restarted, the table was full)
    // has no known opener: it is not refused for that (fail open).
    if (r.opener != 0 && initiator != 0 && r.opener != initiator) return false;
    if (r.icmp_type >= 0 || r.icmp_code >= 0) {
        if (packet == nullptr || packet->icmp_type == 0xff) return false;
        if (r.icmp_type >= 0 && r.icmp_type != packet->icmp_type) return false;
        if (r.icmp_code >= 0 && r.icmp_code != packet->icmp_code) return false;
    }
    const uint8_t v = key.ip_version;
    const Addr128 remote = Addr128::load(lan_is_a ? key.addr_b : key.addr_a, v);
    if (!remote_in(r, remote, v)) return false;
    return r.device_count == 0 || device_in(r, Addr128::load(lan_is_a ? key.addr_a : key.addr_b, v), v);
}

uint16_t PolicyTables::decide(const Device& d, const FlowKey& key, bool lan_is_a, int dir, uint8_t initiator,
                              const PacketFacts* packet) const {
    if (is_network_service(services_, key, lan_is_a, packet, dir == 1)) return kPolicyService;
    if (packet != nullptr && is_icmp(key.proto)) {
        for (uint32_t i = d.icmp_first[dir]; i < d.icmp_first[dir] + d.icmp_count[dir]; ++i) {
            const Rule& r = rules_[icmp_[i]];
            if (matches(r, key, lan_is_a, initiator, packet)) return static_cast<uint16_t>(r.entry + 1);
        }
        return kPolicyNoEntry;
    }
    return decide_by_port(d, key, lan_is_a, dir, initiator, packet);
}

uint16_t PolicyTables::decide_by_port(const Device& d, const FlowKey& key, bool lan_is_a, int dir, uint8_t initiator,
                                      const PacketFacts* packet) const {
    const int c = key.proto == 6 ? 0 : key.proto == 17 ? 1 : 2;
    const uint32_t* w = candidates_.data() + d.wide_first[dir][c];
    const uint32_t* w_end = w + d.wide_count[dir][c];
    const Exact *e = nullptr, *e_end = nullptr;
    if (c != 2) {
        const uint64_t k =
            exact_key(static_cast<size_t>(&d - devices_.data()), dir, c, lan_is_a ? key.port_b : key.port_a);
        e = std::lower_bound(exact_.data(), exact_.data() + exact_.size(), Exact{k, 0});
        e_end = e;
        while (e_end != exact_.data() + exact_.size() && e_end->key == k) ++e_end;
    }
    // Both lists are in policy order: merged, the first rule that matches is the policy's first.
    while (w != w_end || e != e_end) {
        const uint32_t k = e == e_end || (w != w_end && *w < e->rule) ? *w++ : (e++)->rule;
        if (matches(rules_[k], key, lan_is_a, initiator, packet)) return static_cast<uint16_t>(rules_[k].entry + 1);
    }
    return kPolicyNoEntry;
}

uint16_t PolicyTables::decide_frame(const Device& d, uint16_t ethertype, const uint8_t* remote_mac, int dir) const {
    if (ethertype == kArp) return kPolicyService;  // IPv4's neighbour discovery
    const uint64_t mac = remote_mac != nullptr ? MacAddress::to_u64(remote_mac) : 0;
    for (uint32_t i = d.first[dir]; i < d.first[dir] + d.count[dir]; ++i) {
        const Rule& r = rules_[i];
        // Only an entry of Ethernet matches names a frame that is not IP.
        if (r.ethertype < 0 || r.ip_version != 0 || r.proto >= 0 || !r.any_remote || r.icmp_type >= 0) continue;
        if (r.ethertype != ethertype || (r.has_remote_mac && r.remote_mac != mac)) continue;
        return static_cast<uint16_t>(r.entry + 1);
    }
    return kPolicyNoEntry;
}

bool PolicyTables::passes(const Device& d, uint16_t verdict) const {
    if (verdict == kPolicyService || verdict == kPolicyNone) return true;
    if (verdict == kPolicyNoEntry || verdict > d.entries) return false;
    return accept_[d.accept_first + verdict - 1] != 0;
}

}  // namespace spin::dp
