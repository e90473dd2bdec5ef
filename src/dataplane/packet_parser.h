// Header parsing for the worker: Ethernet, VLAN / QinQ, IPv4, IPv6 with
// extension headers, TCP / UDP / SCTP ports, ICMP types.
//
// Works on a plain byte span so that it can be unit-tested and fuzzed without
// mbufs.  Every read is bounds-checked; a frame that cannot be parsed is
// reported through `status` and is still forwarded by the worker (fail-open).
#pragma once

#include <cstdint>

namespace spin::dp {

enum class ParseStatus : uint8_t {
    ok,         // IP packet with its transport header (or a non-first fragment)
    non_ip,     // ARP, LLDP, unknown ethertype...: forwarded, not metered
    truncated,  // frame ends inside a header we needed
    malformed,  // header fields contradict themselves (bad IHL, bad lengths...)
};

// Trivially constructible on purpose: a worker keeps 32 of these on its stack
// per burst and parse_packet() sets every field it reads (value-initialise,
// `ParsedPacket p{};`, to build one by hand).
struct ParsedPacket {
    ParseStatus status;
    uint8_t vlan_depth;  // number of 802.1Q / 802.1ad tags
    uint16_t vlan;       // outer VLAN id (12 bits)
    uint16_t ethertype;  // innermost ethertype
    uint8_t ip_version;  // 4 or 6 once src / dst are read (a header malformed past them too), else 0
    uint8_t proto;       // transport protocol (after IPv6 extension headers)
    uint8_t tcp_flags;
    uint8_t icmp_type;    // ICMP / ICMPv6 type, 0xff if none
    uint8_t icmp_code;    // and code (0 if none)
    bool has_ports;       // sport / dport are meaningful
    bool fragment;        // part of a fragmented datagram
    bool later_fragment;  // not the first fragment: no transport header
    uint16_t sport;
    uint16_t dport;
    uint32_t tcp_seq;
    uint16_t l3_offset;
    uint16_t l4_offset;
    const uint8_t* dst_mac;
    const uint8_t* src_mac;
    uint8_t src[16];  // IPv4 in the first 4 bytes, the rest zero; set for IP packets only
    uint8_t dst[16];
};

// Parses one Ethernet frame of `len` bytes.  Returns out.status.
ParseStatus parse_packet(const uint8_t* frame, uint32_t len, ParsedPacket& out);

const char* to_string(ParseStatus s);

}  // namespace spin::dp
