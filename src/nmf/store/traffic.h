// Traffic of one device with one remote endpoint (address, protocol, remote
// port) in one time bucket: the unit the store keeps per roll-up level.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>

namespace spin::nmf {

struct TrafficCounters {
    uint64_t pkts_out = 0, bytes_out = 0, pkts_in = 0, bytes_in = 0;
    uint64_t flows = 0;         // flows that started being counted here
    uint64_t blocked_pkts = 0;  // frames dropped by a rule (either direction)

    TrafficCounters& operator+=(const TrafficCounters& o) {
        pkts_out += o.pkts_out, bytes_out += o.bytes_out, pkts_in += o.pkts_in, bytes_in += o.bytes_in;
        flows += o.flows, blocked_pkts += o.blocked_pkts;
        return *this;
    }
    bool empty() const { return (pkts_out | bytes_out | pkts_in | bytes_in | flows | blocked_pkts) == 0; }
    bool operator==(const TrafficCounters&) const = default;
};

// Binary so that hashing and comparing cost no formatting on the ingest path.
struct TrafficKey {
    uint64_t mac = 0;  // 48 bits, first octet most significant
    std::array<uint8_t, 16> remote_ip{};
    uint8_t ip_version = 0;
    uint8_t proto = 0;
    uint16_t remote_port = 0;
    int64_t bucket = 0;  // start of the minute, seconds since the epoch

    bool operator==(const TrafficKey&) const = default;
};

struct TrafficKeyHash {
    size_t operator()(const TrafficKey& k) const noexcept {
        uint64_t a, b;
        std::memcpy(&a, k.remote_ip.data(), 8);
        std::memcpy(&b, k.remote_ip.data() + 8, 8);
        uint64_t h = k.mac * 0x9E3779B97F4A7C15ull;
        h ^= (a + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2));
        h ^= (b + 0x85EBCA77C2B2AE63ull + (h << 6) + (h >> 2));
        h ^= (static_cast<uint64_t>(k.bucket) << 24 | uint64_t{k.proto} << 16 | k.remote_port) * 0xC2B2AE3D27D4EB4Full;
        return static_cast<size_t>(h ^ (h >> 29));
    }
};

inline uint64_t mac_to_u64(const uint8_t* mac) {
    uint64_t v = 0;
    for (int i = 0; i < 6; ++i) v = v << 8 | mac[i];
    return v;
}

}  // namespace spin::nmf
