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

// Hashing of binary keys: each 64-bit word is multiplied in and the state
// avalanched (the finaliser of MurmurHash3), so that keys differing in any
// bit (a port, one byte of an address) land in unrelated buckets.
inline uint64_t hash_word(uint64_t h, uint64_t v) {
    h ^= v * 0x9E3779B97F4A7C15ull;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 33);
}

inline uint64_t hash_bytes16(uint64_t h, const uint8_t* p) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    return hash_word(hash_word(h, a), b);
}

struct TrafficKeyHash {
    size_t operator()(const TrafficKey& k) const noexcept {
        uint64_t h = hash_word(k.mac, static_cast<uint64_t>(k.bucket));
        h = hash_word(h, uint64_t{k.proto} << 24 | uint64_t{k.ip_version} << 16 | k.remote_port);
        return static_cast<size_t>(hash_bytes16(h, k.remote_ip.data()));
    }
};

}  // namespace spin::nmf
