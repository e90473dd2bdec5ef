// Test helper: the canonical flow key of a packet from a LAN device
// (10.0.0.1 or fd00::1) to a remote, built as the worker builds it.
#pragma once

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "common/ip_prefix.h"
#include "dataplane/flow_key.h"
#include "dataplane/packet_parser.h"

namespace spin::dp {

inline spin::IpPrefix addr(const std::string& text) {
    const auto p = spin::IpPrefix::parse(text);
    EXPECT_TRUE(p) << text;
    return p.value_or(spin::IpPrefix{});
}

// The canonical key of a packet from a LAN device (10.0.0.1 or fd00::1) to
// `remote`, as the worker builds it; lan_is_a says which end is the LAN.
struct Probe {
    FlowKey key;
    bool lan_is_a;
};
inline Probe probe(const uint8_t* mac, uint8_t proto, const std::string& remote, uint16_t lan_port = 40000,
                   uint16_t remote_port = 443) {
    const spin::IpPrefix r = addr(remote);
    const spin::IpPrefix lan = addr(r.version() == 6 ? "fd00::1" : "10.0.0.1");
    ParsedPacket p{};
    p.ip_version = r.version();
    p.proto = proto;
    std::memcpy(p.src, lan.bytes(), 16);
    std::memcpy(p.dst, r.bytes(), 16);
    p.has_ports = proto == 6 || proto == 17;
    p.sport = lan_port;
    p.dport = remote_port;
    static const uint8_t gw[6] = {0x02, 0, 0, 0, 0, 0xfe};
    p.src_mac = mac != nullptr ? mac : gw;
    p.dst_mac = gw;
    Probe out;
    out.lan_is_a = make_flow_key(p, true, out.key);
    return out;
}

}  // namespace spin::dp
