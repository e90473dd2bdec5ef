#include "dataplane/block_tables.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace spin::dp {

std::string IpPrefix::parse(const std::string& text, IpPrefix& out) {
    out = IpPrefix{};
    const auto slash = text.find('/');
    const std::string addr = text.substr(0, slash);
    if (inet_pton(AF_INET, addr.c_str(), out.addr) == 1)
        out.ip_version = 4;
    else if (inet_pton(AF_INET6, addr.c_str(), out.addr) == 1)
        out.ip_version = 6;
    else
        return "'" + text + "' is not an IPv4 or IPv6 address or prefix";
    const int max = out.ip_version == 4 ? 32 : 128;
    int length = max;
    if (slash != std::string::npos) {
        const std::string len = text.substr(slash + 1);
        char* end = nullptr;
        const long v = std::strtol(len.c_str(), &end, 10);
        if (len.empty() || *end != '\0' || v < 0 || v > max)
            return "'" + text + "': prefix length must be 0.." + std::to_string(max);
        length = static_cast<int>(v);
    }
    out.length = static_cast<uint8_t>(length);
    for (int bit = length; bit < 128; ++bit) out.addr[bit / 8] &= ~(0x80 >> (bit % 8));
    return {};
}

std::string IpPrefix::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(length);
}

bool parse_mac(const std::string& text, uint8_t mac[6]) {
    unsigned v[6];
    char sep[5];
    char tail;
    if (text.size() != 17) return false;
    if (std::sscanf(text.c_str(), "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &v[0], &sep[0], &v[1], &sep[1],
                    &v[2], &sep[2], &v[3], &sep[3], &v[4], &sep[4], &v[5], &tail) != 11)
        return false;
    for (char c : sep)
        if (c != sep[0] || (c != ':' && c != '-')) return false;
    for (char c : text)
        if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '-') return false;
    for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v[i]);
    return true;
}

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

uint64_t BlockTables::mac_key(const uint8_t* mac) {
    uint64_t k = 0;
    for (int i = 0; i < 6; ++i) k = k << 8 | mac[i];
    return k;
}

BlockTables::BlockTables(uint32_t version, std::vector<BlockRule> rules)
    : version_(version), rules_(std::move(rules)) {
    for (const auto& r : rules_) {
        if (r.id == 0) throw std::invalid_argument("block rule id 0 is reserved");
        switch (r.kind) {
        case RuleKind::quarantine:
            quarantine_.emplace_back(mac_key(r.mac), r.id);
            break;
        case RuleKind::flow: {
            FlowKey k = r.flow;
            std::memset(k.mac, 0, sizeof k.mac);  // a flow rule names a 5-tuple, any device
            flows_.emplace_back(k, r.id);
            break;
        }
        case RuleKind::device_remote:
        case RuleKind::allow_remote: {
            const Addr mask = make_mask(r.remote.ip_version, r.remote.length);
            const Addr a = load(r.remote.addr, r.remote.ip_version);
            (r.kind == RuleKind::device_remote ? device_remote_ : allow_remote_)
                .push_back({mac_key(r.mac), r.remote.ip_version, r.remote.length, mask,
                            {a.hi & mask.hi, a.lo & mask.lo}, r.id});
            break;
        }
        case RuleKind::allow_policy:
            allow_policy_.emplace_back(mac_key(r.mac), r.id);
            break;
        case RuleKind::global_remote: {
            auto g = std::find_if(global_.begin(), global_.end(), [&](const PrefixGroup& pg) {
                return pg.ip_version == r.remote.ip_version && pg.length == r.remote.length;
            });
            if (g == global_.end()) {
                global_.push_back({r.remote.ip_version, r.remote.length,
                                   make_mask(r.remote.ip_version, r.remote.length), {}});
                g = global_.end() - 1;
            }
            const Addr a = load(r.remote.addr, r.remote.ip_version);
            g->entries.push_back({{a.hi & g->mask.hi, a.lo & g->mask.lo}, r.id});
            break;
        }
        }
    }
    std::sort(quarantine_.begin(), quarantine_.end());
    std::sort(flows_.begin(), flows_.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
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
    const uint64_t k = mac_key(mac);
    auto it = std::lower_bound(quarantine_.begin(), quarantine_.end(),
                               std::pair<uint64_t, uint16_t>{k, 0});
    return it != quarantine_.end() && it->first == k ? it->second : 0;
}

uint16_t BlockTables::match_flow(const uint8_t* mac, const FlowKey& key, const uint8_t* remote,
                                 uint8_t ip_version) const {
    if (rules_.empty()) return 0;
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
        if (uint16_t r = match_device_remote(device_remote_, mac_key(mac), a, ip_version)) return r;
    for (const auto& g : global_) {
        if (g.ip_version != ip_version) continue;
        const Addr m{a.hi & g.mask.hi, a.lo & g.mask.lo};
        auto it = std::lower_bound(g.entries.begin(), g.entries.end(),
                                   std::pair<Addr, uint16_t>{m, 0});
        if (it != g.entries.end() && it->first == m) return it->second;
    }
    if (!allow_policy_.empty() && mac != nullptr) {
        const uint64_t k = mac_key(mac);
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
    auto it = std::lower_bound(table.begin(), table.end(), mac,
                               [](const DeviceRemote& d, uint64_t m) { return d.mac < m; });
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
