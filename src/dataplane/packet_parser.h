// Header parsing for the worker: Ethernet, VLAN / QinQ, IPv4, IPv6 with
// extension headers, TCP / UDP / SCTP ports, ICMP types.
//
// Works on a plain byte span so that it can be unit-tested and fuzzed without
// mbufs.  Every read is bounds-checked; a frame that cannot be parsed is
// reported through `status` and is still forwarded by the worker (fail-open).
#pragma once

#include <cstdint>
#include <cstring>

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

// The common case at fixed offsets: an untagged IPv4 packet with a 20-byte
// header, not a fragment, or an untagged IPv6 packet without extension
// headers, carrying TCP or UDP whole enough to read.  fast_headers says
// whether a frame is one (and where its transport header is); parse_fast
// fills a ParsedPacket from it, and flow_key.h's fast_flow_key builds the
// flow key straight from the frame.  For a frame they take, both give exactly
// what parse_packet (and make_flow_key) give: fuzz_packet_parser checks that
// on every input.  Any other frame is for parse_packet.
struct FastHeaders {
    uint8_t ip_version;  // 0: not a fast frame
    uint8_t proto;       // 6 or 17
    uint8_t l4;          // offset of the transport header: 34 or 54
};

inline FastHeaders fast_headers(const uint8_t* f, uint32_t len) {
    FastHeaders h{0, 0, 0};
    if (len < 54) return h;  // 14 + 20 + TCP's 20, or 14 + 40: shorter ones take the long way
    const uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
    uint32_t end;
    if (type == 0x0800) {
        if (f[14] != 0x45 || (f[20] & 0x3f) != 0 || f[21] != 0) return h;  // options, or a fragment
        const uint32_t total = static_cast<uint32_t>(f[16] << 8 | f[17]);
        if (total < 20) return h;
        end = 14 + total < len ? 14 + total : len;
        h.proto = f[23];
        h.l4 = 34;
        h.ip_version = 4;
    } else if (type == 0x86dd) {
        if ((f[14] >> 4) != 6) return h;
        const uint32_t payload = static_cast<uint32_t>(f[18] << 8 | f[19]);
        end = payload != 0 && 54 + payload < len ? 54 + payload : len;
        h.proto = f[20];
        h.l4 = 54;
        h.ip_version = 6;
    } else {
        return h;
    }
    const uint8_t* t = f + h.l4;
    const bool whole = h.proto == 6 ? end >= h.l4 + 20u && (t[12] >> 4) >= 5 : h.proto == 17 && end >= h.l4 + 8u;
    if (!whole) h.ip_version = 0;
    return h;
}

// Fills `out` for a frame fast_headers took (h).
inline void parse_fast(const uint8_t* f, const FastHeaders& h, ParsedPacket& out) {
    const uint8_t* t = f + h.l4;
    if (h.ip_version == 4) {
        std::memcpy(out.src, f + 26, 4);
        std::memset(out.src + 4, 0, 12);
        std::memcpy(out.dst, f + 30, 4);
        std::memset(out.dst + 4, 0, 12);
    } else {
        std::memcpy(out.src, f + 22, 16);
        std::memcpy(out.dst, f + 38, 16);
    }
    const bool tcp = h.proto == 6;
    out.status = ParseStatus::ok;
    out.vlan_depth = 0;
    out.vlan = 0;
    out.ethertype = h.ip_version == 4 ? 0x0800 : 0x86dd;
    out.ip_version = h.ip_version;
    out.proto = h.proto;
    out.tcp_flags = tcp ? t[13] & 0x3f : 0;
    out.icmp_type = 0xff;
    out.icmp_code = 0;
    out.has_ports = true;
    out.fragment = false;
    out.later_fragment = false;
    out.sport = static_cast<uint16_t>(t[0] << 8 | t[1]);
    out.dport = static_cast<uint16_t>(t[2] << 8 | t[3]);
    out.tcp_seq = tcp ? uint32_t{t[4]} << 24 | uint32_t{t[5]} << 16 | uint32_t{t[6]} << 8 | t[7] : 0;
    out.l3_offset = 14;
    out.l4_offset = h.l4;
    out.dst_mac = f;
    out.src_mac = f + 6;
}

inline bool parse_fast(const uint8_t* f, uint32_t len, ParsedPacket& out) {
    const FastHeaders h = fast_headers(f, len);
    if (h.ip_version == 0) return false;
    parse_fast(f, h, out);
    return true;
}

const char* to_string(ParseStatus s);

}  // namespace spin::dp
