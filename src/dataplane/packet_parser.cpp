#include "dataplane/packet_parser.h"

#include <cstring>

namespace spin::dp {

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6ExtHeaders = 8;

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// Transport header at `off`; `end` is where the IP payload ends in the frame.
ParseStatus parse_l4(const uint8_t* f, uint32_t off, uint32_t end, ParsedPacket& out) {
    out.l4_offset = static_cast<uint16_t>(off);
    const uint32_t avail = end > off ? end - off : 0;
    switch (out.proto) {
    case 6:  // TCP
        if (avail < 20) return ParseStatus::truncated;
        if ((f[off + 12] >> 4) < 5) return ParseStatus::malformed;
        out.sport = be16(f + off);
        out.dport = be16(f + off + 2);
        out.tcp_seq = be32(f + off + 4);
        out.tcp_flags = f[off + 13] & 0x3f;
        out.has_ports = true;
        return ParseStatus::ok;
    case 17:   // UDP
    case 136:  // UDP-Lite
        if (avail < 8) return ParseStatus::truncated;
        out.sport = be16(f + off);
        out.dport = be16(f + off + 2);
        out.has_ports = true;
        return ParseStatus::ok;
    case 132:  // SCTP: ports lead the common header
        if (avail < 12) return ParseStatus::truncated;
        out.sport = be16(f + off);
        out.dport = be16(f + off + 2);
        out.has_ports = true;
        return ParseStatus::ok;
    case 1:   // ICMP
    case 58:  // ICMPv6
        if (avail < 4) return ParseStatus::truncated;
        out.icmp_type = f[off];
        out.icmp_code = f[off + 1];
        return ParseStatus::ok;
    default: return ParseStatus::ok;  // other protocols are metered by address pair
    }
}

ParseStatus parse_ipv4(const uint8_t* f, uint32_t off, uint32_t len, ParsedPacket& out) {
    if (len - off < 20) return ParseStatus::truncated;
    const uint8_t* ip = f + off;
    if ((ip[0] >> 4) != 4) return ParseStatus::malformed;
    // Addresses first: a header that lies about its length still names its
    // ends, and the rules hold for it (worker: handle_unparsed).
    out.ip_version = 4;
    out.l3_offset = static_cast<uint16_t>(off);
    out.proto = ip[9];
    std::memcpy(out.src, ip + 12, 4);
    std::memset(out.src + 4, 0, 12);
    std::memcpy(out.dst, ip + 16, 4);
    std::memset(out.dst + 4, 0, 12);
    const uint32_t ihl = (ip[0] & 0x0f) * 4u;
    const uint32_t total = be16(ip + 2);
    if (ihl < 20 || total < ihl) return ParseStatus::malformed;
    if (len - off < ihl) return ParseStatus::truncated;
    const uint16_t frag = be16(ip + 6);
    const bool more_fragments = frag & 0x2000;
    const uint16_t frag_offset = frag & 0x1fff;
    out.fragment = more_fragments || frag_offset != 0;
    // Ethernet padding follows short packets: the IP total length bounds L4.
    const uint32_t end = off + total < len ? off + total : len;
    if (frag_offset != 0) {
        out.later_fragment = true;
        return ParseStatus::ok;
    }
    return parse_l4(f, off + ihl, end, out);
}

ParseStatus parse_ipv6(const uint8_t* f, uint32_t off, uint32_t len, ParsedPacket& out) {
    if (len - off < 40) return ParseStatus::truncated;
    const uint8_t* ip = f + off;
    if ((ip[0] >> 4) != 6) return ParseStatus::malformed;
    out.ip_version = 6;
    out.l3_offset = static_cast<uint16_t>(off);
    std::memcpy(out.src, ip + 8, 16);
    std::memcpy(out.dst, ip + 24, 16);
    const uint32_t payload = be16(ip + 4);
    // A zero payload length means a jumbogram; bound by the frame instead.
    const uint32_t end = payload != 0 && off + 40 + payload < len ? off + 40 + payload : len;
    uint8_t next = ip[6];
    uint32_t pos = off + 40;
    for (int i = 0; i <= kMaxIpv6ExtHeaders; ++i) {
        switch (next) {
        case 0:      // hop-by-hop options
        case 43:     // routing
        case 60:     // destination options
        case 135:    // mobility
        case 139:    // HIP
        case 140: {  // shim6
            if (end < pos + 8) return ParseStatus::truncated;
            const uint32_t hlen = (f[pos + 1] + 1u) * 8u;
            next = f[pos];
            pos += hlen;
            if (pos > end) return ParseStatus::truncated;
            continue;
        }
        case 51: {  // authentication header: length in 4-byte units, minus 2
            if (end < pos + 8) return ParseStatus::truncated;
            const uint32_t hlen = (f[pos + 1] + 2u) * 4u;
            next = f[pos];
            pos += hlen;
            if (pos > end) return ParseStatus::truncated;
            continue;
        }
        case 44: {  // fragment
            if (end < pos + 8) return ParseStatus::truncated;
            next = f[pos];
            const uint16_t fo = be16(f + pos + 2);
            out.fragment = true;
            pos += 8;
            if ((fo & 0xfff8) != 0) {
                out.proto = next;
                out.later_fragment = true;
                return ParseStatus::ok;
            }
            continue;
        }
        default: out.proto = next; return parse_l4(f, pos, end, out);
        }
    }
    return ParseStatus::malformed;  // more extension headers than any sane sender uses
}

}  // namespace

ParseStatus parse_packet(const uint8_t* f, uint32_t len, ParsedPacket& out) {
    // Field by field rather than `out = {}`: the addresses (32 bytes) are only
    // written for IP packets, which is most of the cost of clearing.
    out.vlan_depth = 0;
    out.vlan = 0;
    out.ethertype = 0;
    out.ip_version = 0;
    out.proto = 0;
    out.tcp_flags = 0;
    out.icmp_type = 0xff;
    out.icmp_code = 0;
    out.has_ports = false;
    out.fragment = false;
    out.later_fragment = false;
    out.sport = 0;
    out.dport = 0;
    out.tcp_seq = 0;
    out.l3_offset = 0;
    out.l4_offset = 0;
    out.dst_mac = nullptr;
    out.src_mac = nullptr;
    if (len < 14) return out.status = ParseStatus::truncated;
    out.dst_mac = f;
    out.src_mac = f + 6;
    uint32_t off = 12;
    uint16_t type = be16(f + off);
    while (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
        if (out.vlan_depth == kMaxVlanTags) return out.status = ParseStatus::malformed;
        if (len < off + 6) return out.status = ParseStatus::truncated;
        if (out.vlan_depth == 0) out.vlan = be16(f + off + 2) & 0x0fff;
        ++out.vlan_depth;
        off += 4;
        type = be16(f + off);
    }
    off += 2;
    out.ethertype = type;
    if (type == kEtherIpv4)
        out.status = parse_ipv4(f, off, len, out);
    else if (type == kEtherIpv6)
        out.status = parse_ipv6(f, off, len, out);
    else
        out.status = ParseStatus::non_ip;
    return out.status;
}

const char* to_string(ParseStatus s) {
    switch (s) {
    case ParseStatus::ok: return "ok";
    case ParseStatus::non_ip: return "non_ip";
    case ParseStatus::truncated: return "truncated";
    case ParseStatus::malformed: return "malformed";
    }
    return "unknown";
}

}  // namespace spin::dp
