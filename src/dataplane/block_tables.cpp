#include "dataplane/block_tables.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace spin::dp {

BlockTables::BlockTables(uint32_t version, std::vector<TableEntry> entries, NetworkServices services)
    : version_(version), entries_(std::move(entries)), services_(std::move(services)) {
    for (const auto& r : entries_) {
        if (r.rule == 0) throw std::invalid_argument("block rule id 0 is reserved");
        if (r.kind == EntryKind::quarantine || r.kind == EntryKind::device_remote || r.kind == EntryKind::allow_policy)
            device_rule_.emplace_back(r.mac.to_u64(), r.rule);
        switch (r.kind) {
        case EntryKind::quarantine: quarantine_.emplace_back(r.mac.to_u64(), r.rule); break;
        case EntryKind::flow: {
            FlowKey k = r.flow;
            std::memset(k.mac, 0, sizeof k.mac);  // a flow rule names a 5-tuple, any device
            flows_.emplace_back(k, r.rule);
            break;
        }
        case EntryKind::device_remote:
        case EntryKind::allow_remote: {
            const Addr mask = Addr128::mask(r.prefix.length());
            const Addr a = Addr128::load(r.prefix.bytes(), r.prefix.version());
            (r.kind == EntryKind::device_remote ? device_remote_ : allow_remote_)
                .add(r, mask, {a.hi & mask.hi, a.lo & mask.lo});
            break;
        }
        case EntryKind::allow_policy: allow_policy_.emplace_back(r.mac.to_u64(), r.rule); break;
        case EntryKind::global_remote: {
            auto g = std::find_if(global_.begin(), global_.end(), [&](const PrefixGroup& pg) {
                return pg.ip_version == r.prefix.version() && pg.length == r.prefix.length();
            });
            if (g == global_.end()) {
                global_.push_back({r.prefix.version(), r.prefix.length(), Addr128::mask(r.prefix.length()), {}});
                g = global_.end() - 1;
            }
            const Addr a = Addr128::load(r.prefix.bytes(), r.prefix.version());
            g->entries.push_back({{a.hi & g->mask.hi, a.lo & g->mask.lo}, r.rule});
            break;
        }
        }
    }
    std::sort(quarantine_.begin(), quarantine_.end());
    std::sort(flows_.begin(), flows_.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    device_remote_.sort();
    allow_remote_.sort();
    std::sort(allow_policy_.begin(), allow_policy_.end());
    std::sort(device_rule_.begin(), device_rule_.end());
    // Longer prefixes first so the most specific rule is the one reported.
    std::sort(global_.begin(), global_.end(),
              [](const PrefixGroup& x, const PrefixGroup& y) { return x.length > y.length; });
    for (auto& g : global_) std::sort(g.entries.begin(), g.entries.end());
}

uint16_t BlockTables::find_mac(const std::vector<std::pair<uint64_t, uint16_t>>& table, const uint8_t* mac) {
    if (table.empty() || mac == nullptr) return 0;
    const uint64_t k = MacAddress::to_u64(mac);
    auto it = std::lower_bound(table.begin(), table.end(), std::pair<uint64_t, uint16_t>{k, 0});
    return it != table.end() && it->first == k ? it->second : 0;
}

uint16_t BlockTables::match_mac(const uint8_t* mac) const { return find_mac(quarantine_, mac); }

// A flow rule names a 5-tuple on any device; one with VLAN 0 on any VLAN.
uint16_t BlockTables::match_tuple(const FlowKey& key) const {
    if (flows_.empty()) return 0;
    FlowKey tuple = key;
    std::memset(tuple.mac, 0, sizeof tuple.mac);
    for (int pass = 0; pass < (key.vlan != 0 ? 2 : 1); ++pass) {
        if (pass == 1) tuple.vlan = 0;
        auto it = std::lower_bound(flows_.begin(), flows_.end(), tuple,
                                   [](const auto& e, const FlowKey& k) { return e.first < k; });
        if (it != flows_.end() && it->first == tuple) return it->second;
    }
    return 0;
}

uint16_t BlockTables::match_addresses(const uint8_t* mac, const uint8_t* remote, uint8_t ip_version) const {
    const Addr a = Addr128::load(remote, ip_version);
    if (mac != nullptr)
        if (uint16_t r = device_remote_.match(MacAddress::to_u64(mac), a, ip_version)) return r;
    for (const auto& g : global_) {
        if (g.ip_version != ip_version) continue;
        const Addr m{a.hi & g.mask.hi, a.lo & g.mask.lo};
        auto it = std::lower_bound(g.entries.begin(), g.entries.end(), std::pair<Addr, uint16_t>{m, 0});
        if (it != g.entries.end() && it->first == m) return it->second;
    }
    return 0;
}

uint16_t BlockTables::judge(const uint8_t* mac, const FlowKey& key, bool lan_is_a, const PacketFacts* packet,
                            bool* per_packet) const {
    if (entries_.empty()) return 0;
    if (uint16_t r = match_mac(mac)) return r;
    if (uint16_t r = match_tuple(key)) return r;
    const uint8_t* remote = lan_is_a ? key.addr_b : key.addr_a;
    if (uint16_t r = match_addresses(mac, remote, key.ip_version)) return r;
    const uint16_t policy = find_mac(allow_policy_, mac);
    if (policy == 0) return 0;
    if (allow_remote_.match(MacAddress::to_u64(mac), Addr128::load(remote, key.ip_version), key.ip_version)) return 0;
    const bool icmp = key.proto == 1 || key.proto == 58;
    if (icmp && packet == nullptr) {
        if (per_packet != nullptr) *per_packet = true;
        return policy;
    }
    return network_service(key, lan_is_a, packet) ? 0 : policy;
}

uint16_t BlockTables::match_flow(const uint8_t* mac, const FlowKey& key, bool lan_is_a, bool* per_packet) const {
    if (per_packet != nullptr) *per_packet = false;
    return judge(mac, key, lan_is_a, nullptr, per_packet);
}

uint16_t BlockTables::match_packet(const uint8_t* mac, const FlowKey& key, bool lan_is_a,
                                   const PacketFacts& packet) const {
    return judge(mac, key, lan_is_a, &packet, nullptr);
}

uint16_t BlockTables::match_unparsed(const uint8_t* mac, const uint8_t* lan_ip, const uint8_t* remote,
                                     uint8_t ip_version, uint8_t proto) const {
    if (entries_.empty()) return 0;
    if (uint16_t r = match_mac(mac)) return r;
    if (uint16_t r = match_addresses(mac, remote, ip_version)) return r;
    const size_t alen = ip_version == 6 ? 16 : 4;
    for (const auto& [k, rule] : flows_) {
        if (k.ip_version != ip_version || (proto != 0 && k.proto != proto)) continue;
        const bool ab = std::memcmp(k.addr_a, lan_ip, alen) == 0 && std::memcmp(k.addr_b, remote, alen) == 0;
        const bool ba = std::memcmp(k.addr_b, lan_ip, alen) == 0 && std::memcmp(k.addr_a, remote, alen) == 0;
        if (ab || ba) return rule;
    }
    return find_mac(device_rule_, mac);
}

void BlockTables::DeviceRemotes::add(const TableEntry& e, const Addr& mask, const Addr& addr) {
    const uint64_t mac = e.mac.to_u64();
    const uint8_t v = e.prefix.version();
    if (e.prefix.length() == (v == 6 ? 128 : 32))
        hosts.push_back({mac, v, addr, e.rule});
    else
        prefixes.push_back({mac, v, e.prefix.length(), mask, addr, e.rule});
}

void BlockTables::DeviceRemotes::sort() {
    std::sort(hosts.begin(), hosts.end(), [](const DeviceHost& x, const DeviceHost& y) { return x.key() < y.key(); });
    std::sort(prefixes.begin(), prefixes.end(),
              [](const DeviceRemote& x, const DeviceRemote& y) { return x.mac < y.mac; });
}

uint16_t BlockTables::DeviceRemotes::match(uint64_t mac, const Addr& a, uint8_t ip_version) const {
    if (!hosts.empty()) {
        const auto want = std::tuple(mac, ip_version, a.hi, a.lo);
        const auto it = std::lower_bound(hosts.begin(), hosts.end(), want,
                                         [](const DeviceHost& h, const auto& k) { return h.key() < k; });
        if (it != hosts.end() && it->key() == want) return it->rule;
    }
    if (prefixes.empty()) return 0;
    auto it = std::lower_bound(prefixes.begin(), prefixes.end(), mac,
                               [](const DeviceRemote& d, uint64_t m) { return d.mac < m; });
    for (; it != prefixes.end() && it->mac == mac; ++it)
        if (it->ip_version == ip_version && (a.hi & it->mask.hi) == it->addr.hi && (a.lo & it->mask.lo) == it->addr.lo)
            return it->rule;
    return 0;
}

}  // namespace spin::dp
