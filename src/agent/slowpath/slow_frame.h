// Finds, inside a frame the slow path copied, the bytes its parser reads.
// Shared by the agent's event builder and spin-slowpath-dump so that both
// read exactly the same payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/packet_parser.h"
#include "dataplane/slow_path.h"

namespace spin::slowpath {

struct SlowPayload {
    const uint8_t* data = nullptr;
    size_t len = 0;
    bool tcp = false;  // DNS over TCP: length-prefixed messages
};

// ARP / LLDP: after the Ethernet (and VLAN) header.  ND: from the ICMPv6 type,
// bounded by the IPv6 payload length.  UDP: the datagram's payload, bounded by
// the UDP length (Ethernet padding follows).  TCP: the segment's payload,
// possibly empty.  Returns "" or why the frame has no usable payload.
std::string locate_payload(const uint8_t* frame, size_t len, const dp::ParsedPacket& p, dp::SlowKind kind,
                           SlowPayload& out);

}  // namespace spin::slowpath
