// ARP and IPv6 neighbour discovery for the agent's slow path: which MAC holds
// which IPv4 / IPv6 address.  Input is untrusted: bounds-checked and fuzzed
// (tests/fuzz/fuzz_neighbour.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spin::slowpath {

struct ArpMessage {
    uint16_t op = 0;  // 1 request, 2 reply
    std::array<uint8_t, 6> sender_mac{}, target_mac{};
    std::array<uint8_t, 4> sender_ip{}, target_ip{};
};

// Parses an ARP payload (after the Ethernet header).  Only Ethernet / IPv4 ARP.
std::string parse_arp(const uint8_t* data, size_t len, ArpMessage& out);

struct NdMessage {
    uint8_t type = 0;                  // 133 RS, 134 RA, 135 NS, 136 NA, 137 redirect
    std::array<uint8_t, 16> target{};  // NS / NA / redirect target address
    bool has_target = false;
    bool has_source_mac = false, has_target_mac = false;
    std::array<uint8_t, 6> source_mac{}, target_mac{};  // link-layer address options 1 and 2
};

// Parses an ICMPv6 neighbour-discovery message (from the ICMPv6 type byte on).
std::string parse_nd(const uint8_t* data, size_t len, NdMessage& out);

// A MAC <-> address binding learnt from ARP or ND.
struct NeighbourBinding {
    std::array<uint8_t, 6> mac{};
    uint8_t ip_version = 0;
    std::array<uint8_t, 16> addr{};
};

// What an ARP message tells: the sender's binding (not for probes from 0.0.0.0).
std::vector<NeighbourBinding> arp_bindings(const ArpMessage& m);
// What an ND message tells, given the packet's IPv6 source: the source's MAC
// (source link-layer option, not for the unspecified address) and, for a
// neighbour advertisement, the target's MAC (target link-layer option).
std::vector<NeighbourBinding> nd_bindings(const NdMessage& m, const uint8_t ipv6_source[16]);

}  // namespace spin::slowpath
