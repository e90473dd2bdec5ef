#include "agent/slowpath/slow_frame.h"

#include <algorithm>

#include <fmt/format.h>

namespace spin::slowpath {

std::string locate_payload(const uint8_t* f, size_t len, const dp::ParsedPacket& p, dp::SlowKind kind,
                           SlowPayload& out) {
    out = SlowPayload{};
    size_t off = 0, end = len;
    switch (kind) {
    case dp::SlowKind::none: return "not a slow-path frame";
    case dp::SlowKind::arp:
    case dp::SlowKind::lldp: off = 14 + 4u * p.vlan_depth; break;
    case dp::SlowKind::nd: {
        if (p.ip_version != 6 || p.l3_offset + 40u > len) return "not an IPv6 packet";
        const size_t payload = size_t{f[p.l3_offset + 4]} << 8 | f[p.l3_offset + 5];
        off = p.l4_offset;
        end = std::min(len, p.l3_offset + 40 + payload);
        break;
    }
    default:
        if (p.proto == 17) {
            if (p.l4_offset + 8u > len) return "UDP header cut short";
            const size_t udp_len = size_t{f[p.l4_offset + 4]} << 8 | f[p.l4_offset + 5];
            if (udp_len < 8) return fmt::format("UDP length {} is shorter than its header", udp_len);
            off = p.l4_offset + 8;
            end = std::min(len, p.l4_offset + udp_len);
        } else if (p.proto == 6) {
            if (p.l4_offset + 13u > len) return "TCP header cut short";
            off = p.l4_offset + (f[p.l4_offset + 12] >> 4) * 4u;
            out.tcp = true;
        } else {
            return "not UDP or TCP";
        }
    }
    if (off > end) return "header runs past the end of the frame";
    out.data = f + off;
    out.len = end - off;
    return {};
}

}  // namespace spin::slowpath
