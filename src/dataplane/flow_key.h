// Canonical bidirectional flow key.
//
// Both directions of a conversation map to the same key: the endpoint with the
// smaller (address, port) is `a`.  The LAN-side device MAC is part of the key,
// so devices that share a 5-tuple (every DHCP client sends 0.0.0.0:68 ->
// 255.255.255.255:67) are metered and blocked apart.  Which end is the LAN
// side is a property of the flow (lan_is_a), decided when it is created.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/packet_parser.h"

namespace spin::dp {

struct FlowKey {
    uint8_t addr_a[16];
    uint8_t addr_b[16];
    uint16_t port_a;
    uint16_t port_b;
    uint16_t vlan;
    uint8_t proto;
    uint8_t ip_version;
    uint8_t mac[6];  // LAN-side device MAC (source from the LAN, destination towards it)

    // Word-wise: the hot path compares keys on every lookup, and a libc
    // memcmp call costs more than the comparison itself.
    bool operator==(const FlowKey& o) const {
        uint64_t a[5], b[5];
        std::memcpy(a, this, 40);
        std::memcpy(b, &o, 40);
        uint32_t ta, tb;
        uint16_t ua, ub;
        std::memcpy(&ta, reinterpret_cast<const uint8_t*>(this) + 40, 4);
        std::memcpy(&tb, reinterpret_cast<const uint8_t*>(&o) + 40, 4);
        std::memcpy(&ua, reinterpret_cast<const uint8_t*>(this) + 44, 2);
        std::memcpy(&ub, reinterpret_cast<const uint8_t*>(&o) + 44, 2);
        return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) | (ta ^ tb) |
                static_cast<uint32_t>(ua ^ ub)) == 0;
    }
    bool operator<(const FlowKey& o) const { return std::memcmp(this, &o, sizeof o) < 0; }
};
static_assert(sizeof(FlowKey) == 46, "FlowKey has no padding: compared with memcmp");

// memcmp order of two 16-byte addresses, as two big-endian words (no libc call).
inline int compare_addresses(const uint8_t* a, const uint8_t* b) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 8);
    std::memcpy(&a1, a + 8, 8);
    std::memcpy(&b0, b, 8);
    std::memcpy(&b1, b + 8, 8);
    a0 = __builtin_bswap64(a0), b0 = __builtin_bswap64(b0);
    if (a0 != b0) return a0 < b0 ? -1 : 1;
    a1 = __builtin_bswap64(a1), b1 = __builtin_bswap64(b1);
    return a1 == b1 ? 0 : (a1 < b1 ? -1 : 1);
}

// Whether the source is endpoint `a` of the canonical key: the smaller
// (address, port) in memcmp order.  src and dst point at the addresses (4
// bytes for IPv4, 16 for IPv6); an IPv4 pair is ordered with one comparison
// of address and port.
inline bool source_is_a(bool v4, const uint8_t* src, const uint8_t* dst, uint16_t sport, uint16_t dport) {
    if (v4) {
        uint32_t s, d;
        std::memcpy(&s, src, 4);
        std::memcpy(&d, dst, 4);
        return (uint64_t{__builtin_bswap32(s)} << 16 | sport) <= (uint64_t{__builtin_bswap32(d)} << 16 | dport);
    }
    const int c = compare_addresses(src, dst);
    return c < 0 || (c == 0 && sport <= dport);
}

// Builds the canonical key of a parsed IP packet whose LAN side is the source
// (src_is_lan) or the destination.  Returns true when the source is endpoint `a`.
inline bool make_flow_key(const ParsedPacket& p, bool src_is_lan, FlowKey& key) {
    const uint16_t sport = p.has_ports ? p.sport : 0;
    const uint16_t dport = p.has_ports ? p.dport : 0;
    const bool src_is_a = source_is_a(p.ip_version == 4, p.src, p.dst, sport, dport);
    if (src_is_a) {
        std::memcpy(key.addr_a, p.src, 16);
        std::memcpy(key.addr_b, p.dst, 16);
        key.port_a = sport;
        key.port_b = dport;
    } else {
        std::memcpy(key.addr_a, p.dst, 16);
        std::memcpy(key.addr_b, p.src, 16);
        key.port_a = dport;
        key.port_b = sport;
    }
    key.vlan = p.vlan;
    key.proto = p.proto;
    key.ip_version = p.ip_version;
    std::memcpy(key.mac, src_is_lan ? p.src_mac : p.dst_mac, 6);
    return src_is_a;
}

// The key of a frame that fast_headers takes (h), read straight from the
// frame: the same key make_flow_key gives for parse_packet's reading of it,
// without filling a ParsedPacket.  Returns true when the source is `a`.
inline bool fast_flow_key(const uint8_t* f, const FastHeaders& h, bool src_is_lan, FlowKey& key) {
    const uint8_t* t = f + h.l4;
    uint16_t sport, dport;
    std::memcpy(&sport, t, 2);
    std::memcpy(&dport, t + 2, 2);
    sport = __builtin_bswap16(sport);
    dport = __builtin_bswap16(dport);
    bool src_is_a;
    std::memset(&key, 0, 32);
    // Constant offsets and lengths per family: this is the hot path.
    if (h.ip_version == 4) {
        src_is_a = source_is_a(true, f + 26, f + 30, sport, dport);
        std::memcpy(key.addr_a, f + (src_is_a ? 26 : 30), 4);
        std::memcpy(key.addr_b, f + (src_is_a ? 30 : 26), 4);
    } else {
        src_is_a = source_is_a(false, f + 22, f + 38, sport, dport);
        std::memcpy(key.addr_a, f + (src_is_a ? 22 : 38), 16);
        std::memcpy(key.addr_b, f + (src_is_a ? 38 : 22), 16);
    }
    key.port_a = src_is_a ? sport : dport;
    key.port_b = src_is_a ? dport : sport;
    key.vlan = 0;
    key.proto = h.proto;
    key.ip_version = h.ip_version;
    std::memcpy(key.mac, src_is_lan ? f + 6 : f, 6);
    return src_is_a;
}

}  // namespace spin::dp
