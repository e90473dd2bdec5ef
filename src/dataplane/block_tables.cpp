#include "dataplane/block_tables.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace spin::dp {

BlockTables::Addr BlockTables::load(const uint8_t* a, uint8_t ip_version) {
    uint8_t buf[16] = {};
    std::memcpy(buf, a, ip_version == 6 ? 16 : 4);
    Addr r{};
    for (int i = 0; i < 8; ++i) r.hi = r.hi << 8 | buf[i];
    for (int i = 8; i < 16; ++i) r.lo = r.lo << 8 | buf[i];
    return r;
}

BlockTables::Addr BlockTables::make_mask(uint8_t ip_version, uint8_t length) {
    uint8_t m[16] = {};
    for (int bit = 0; bit < length; ++bit) m[bit / 8] |= 0x80 >> (bit % 8);
    (void)ip_version;  // IPv4 lives in the first 4 bytes: the same bit positions
    return load(m, 6);
}

BlockTables::BlockTables(uint32_t version, std::vector<TableEntry> entries)
    : version_(version), entries_(std::move(entries)) {
    for (const auto& r : entries_) {
        if (r.rule == 0) throw std::invalid_argument("block rule id 0 is reserved");
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
            const Addr mask = make_mask(r.prefix.version(), r.prefix.length());
            const Addr a = load(r.prefix.bytes(), r.prefix.version());
            (r.kind == EntryKind::device_remote ? device_remote_ : allow_remote_)
                .push_back({r.mac.to_u64(),
                            r.prefix.version(),
                            r.prefix.length(),
                            mask,
                            {a.hi & mask.hi, a.lo & mask.lo},
                            r.rule});
            break;
        }
        case EntryKind::allow_policy: allow_policy_.emplace_back(r.mac.to_u64(), r.rule); break;
        case EntryKind::global_remote: {
            auto g = std::find_if(global_.begin(), global_.end(), [&](const PrefixGroup& pg) {
                return pg.ip_version == r.prefix.version() && pg.length == r.prefix.length();
            });
            if (g == global_.end()) {
                global_.push_back(
                    {r.prefix.version(), r.prefix.length(), make_mask(r.prefix.version(), r.prefix.length()), {}});
                g = global_.end() - 1;
            }
            const Addr a = load(r.prefix.bytes(), r.prefix.version());
            g->entries.push_back({{a.hi & g->mask.hi, a.lo & g->mask.lo}, r.rule});
            break;
        }
        }
    }
    std::sort(quarantine_.begin(), quarantine_.end());
    std::sort(flows_.begin(), flows_.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto* v : {&device_remote_, &allow_remote_})
        std::sort(v->begin(), v->end(), [](const DeviceRemote& x, const DeviceRemote& y) { return x.mac < y.mac; });
    std::sort(allow_policy_.begin(), allow_policy_.end());
    // Longer prefixes first so the most specific rule is the one reported.
    std::sort(global_.begin(), global_.end(),
              [](const PrefixGroup& x, const PrefixGroup& y) { return x.length > y.length; });
    for (auto& g : global_) std::sort(g.entries.begin(), g.entries.end());
}

uint16_t BlockTables::match_mac(const uint8_t* mac) const {
    if (quarantine_.empty() || mac == nullptr) return 0;
    const uint64_t k = MacAddress::to_u64(mac);
    auto it = std::lower_bound(quarantine_.begin(), quarantine_.end(), std::pair<uint64_t, uint16_t>{k, 0});
    return it != quarantine_.end() && it->first == k ? it->second : 0;
}

uint16_t BlockTables::match_flow(const uint8_t* mac, const FlowKey& key, const uint8_t* remote,
                                 uint8_t ip_version) const {
    if (entries_.empty()) return 0;
    if (uint16_t r = match_mac(mac)) return r;
    if (!flows_.empty()) {
        FlowKey tuple = key;
        std::memset(tuple.mac, 0, sizeof tuple.mac);
        auto it = std::lower_bound(flows_.begin(), flows_.end(), tuple,
                                   [](const auto& e, const FlowKey& k) { return e.first < k; });
        if (it != flows_.end() && it->first == tuple) return it->second;
    }
    const Addr a = load(remote, ip_version);
    if (mac != nullptr)
        if (uint16_t r = match_device_remote(device_remote_, MacAddress::to_u64(mac), a, ip_version)) return r;
    for (const auto& g : global_) {
        if (g.ip_version != ip_version) continue;
        const Addr m{a.hi & g.mask.hi, a.lo & g.mask.lo};
        auto it = std::lower_bound(g.entries.begin(), g.entries.end(), std::pair<Addr, uint16_t>{m, 0});
        if (it != g.entries.end() && it->first == m) return it->second;
    }
    if (!allow_policy_.empty() && mac != nullptr) {
        const uint64_t k = MacAddress::to_u64(mac);
        auto it = std::lower_bound(allow_policy_.begin(), allow_policy_.end(), std::pair<uint64_t, uint16_t>{k, 0});
        if (it != allow_policy_.end() && it->first == k && !is_network_service(key, remote, ip_version) &&
            match_device_remote(allow_remote_, k, a, ip_version) == 0)
            return it->second;
    }
    return 0;
}

uint16_t BlockTables::match_device_remote(const std::vector<DeviceRemote>& table, uint64_t mac, const Addr& a,
                                          uint8_t ip_version) {
    if (table.empty()) return 0;
    auto it =
        std::lower_bound(table.begin(), table.end(), mac, [](const DeviceRemote& d, uint64_t m) { return d.mac < m; });
    for (; it != table.end() && it->mac == mac; ++it)
        if (it->ip_version == ip_version && (a.hi & it->mask.hi) == it->addr.hi && (a.lo & it->mask.lo) == it->addr.lo)
            return it->rule;
    return 0;
}

bool BlockTables::is_network_service(const FlowKey& key, const uint8_t* remote, uint8_t ip_version) {
    if (key.proto == 58) return true;
    if (key.proto == 6 || key.proto == 17)
        for (uint16_t port : {key.port_a, key.port_b})
            if (port == 53 || port == 67 || port == 68 || port == 546 || port == 547) return true;
    if (ip_version == 4)
        return (remote[0] & 0xf0) == 0xe0 || (remote[0] == 169 && remote[1] == 254) ||
               (remote[0] == 255 && remote[1] == 255 && remote[2] == 255 && remote[3] == 255);
    return remote[0] == 0xff || (remote[0] == 0xfe && (remote[1] & 0xc0) == 0x80);
}

}  // namespace spin::dp
