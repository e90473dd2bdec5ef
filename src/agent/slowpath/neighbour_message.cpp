#include "agent/slowpath/neighbour_message.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace spin::slowpath {

std::string parse_arp(const uint8_t* p, size_t len, ArpMessage& out) {
    out = ArpMessage{};
    if (len < 28) return fmt::format("{} bytes is shorter than an Ethernet / IPv4 ARP message", len);
    const uint16_t htype = static_cast<uint16_t>(p[0] << 8 | p[1]);
    const uint16_t ptype = static_cast<uint16_t>(p[2] << 8 | p[3]);
    if (htype != 1 || ptype != 0x0800 || p[4] != 6 || p[5] != 4)
        return fmt::format("ARP for hardware {} / protocol 0x{:04x} / lengths {}, {} is not Ethernet / IPv4", htype,
                           ptype, p[4], p[5]);
    out.op = static_cast<uint16_t>(p[6] << 8 | p[7]);
    std::memcpy(out.sender_mac.data(), p + 8, 6);
    std::memcpy(out.sender_ip.data(), p + 14, 4);
    std::memcpy(out.target_mac.data(), p + 18, 6);
    std::memcpy(out.target_ip.data(), p + 24, 4);
    return {};
}

std::string parse_nd(const uint8_t* p, size_t len, NdMessage& out) {
    out = NdMessage{};
    if (len < 4) return "ICMPv6 header cut short";
    out.type = p[0];
    size_t options_at;
    switch (out.type) {
    case 133: options_at = 8; break;   // router solicitation
    case 134: options_at = 16; break;  // router advertisement
    case 135:                          // neighbour solicitation
    case 136: options_at = 24; break;  // neighbour advertisement
    case 137: options_at = 40; break;  // redirect: target and destination
    default: return fmt::format("ICMPv6 type {} is not neighbour discovery", out.type);
    }
    if (p[1] != 0) return fmt::format("ND code {} (must be 0)", p[1]);
    if (len < options_at) return fmt::format("ND type {} cut short: {} of {} bytes", out.type, len, options_at);
    if (out.type >= 135) {
        std::memcpy(out.target.data(), p + 8, 16);
        out.has_target = true;
    }
    for (size_t i = options_at; i < len;) {
        if (len - i < 2) return "ND option header cut short";
        const size_t olen = p[i + 1] * 8u;
        if (olen == 0) return "ND option of length 0";  // RFC 4861 4.6: discard
        if (olen > len - i) return "ND option runs past the message";
        if ((p[i] == 1 || p[i] == 2) && olen >= 8) {
            auto& mac = p[i] == 1 ? out.source_mac : out.target_mac;
            std::memcpy(mac.data(), p + i + 2, 6);
            (p[i] == 1 ? out.has_source_mac : out.has_target_mac) = true;
        }
        i += olen;
    }
    return {};
}

std::vector<NeighbourBinding> arp_bindings(const ArpMessage& m) {
    std::vector<NeighbourBinding> out;
    if (std::all_of(m.sender_ip.begin(), m.sender_ip.end(), [](uint8_t b) { return b == 0; })) return out;
    NeighbourBinding b;
    b.mac = m.sender_mac;
    b.ip_version = 4;
    std::copy(m.sender_ip.begin(), m.sender_ip.end(), b.addr.begin());
    out.push_back(b);
    return out;
}

std::vector<NeighbourBinding> nd_bindings(const NdMessage& m, const uint8_t src[16]) {
    std::vector<NeighbourBinding> out;
    const bool unspecified = std::all_of(src, src + 16, [](uint8_t b) { return b == 0; });
    if (m.has_source_mac && !unspecified) {
        NeighbourBinding b;
        b.mac = m.source_mac;
        b.ip_version = 6;
        std::copy(src, src + 16, b.addr.begin());
        out.push_back(b);
    }
    if (m.type == 136 && m.has_target_mac) {
        NeighbourBinding b;
        b.mac = m.target_mac;
        b.ip_version = 6;
        b.addr = m.target;
        out.push_back(b);
    }
    return out;
}

}  // namespace spin::slowpath
