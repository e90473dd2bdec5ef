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

    bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof o) == 0; }
    bool operator<(const FlowKey& o) const { return std::memcmp(this, &o, sizeof o) < 0; }
};
static_assert(sizeof(FlowKey) == 46, "FlowKey has no padding: compared with memcmp");

// Builds the canonical key of a parsed IP packet whose LAN side is the source
// (src_is_lan) or the destination.  Returns true when the source is endpoint `a`.
inline bool make_flow_key(const ParsedPacket& p, bool src_is_lan, FlowKey& key) {
    const int addr_cmp = std::memcmp(p.src, p.dst, 16);
    const uint16_t sport = p.has_ports ? p.sport : 0;
    const uint16_t dport = p.has_ports ? p.dport : 0;
    const bool src_is_a = addr_cmp < 0 || (addr_cmp == 0 && sport <= dport);
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

uint32_t hash_flow_key(const FlowKey& key);

}  // namespace spin::dp
