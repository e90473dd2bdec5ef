// Benchmark traffic: the frames of N distinct flows, and the order in which
// packets visit them.
//
// Walking flows in the order they were created lets the hardware prefetcher
// follow the flow table and the packet buffers, which a home never does: its
// packets arrive in no order at all, and a few flows carry most of them.  The
// capture generator and the in-process benchmark draw their packets from the
// same sequences, so both measure the same access pattern.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "packet_builder.h"

namespace spin::gen {

// What every flow's frames look like.
struct FlowShape {
    bool mix = false;   // an IMIX-like mix of sizes (7 x 64, 2 x 576, 2 x 1478 bytes of 12), else 64-byte frames
    bool ipv6 = false;  // IPv6 (2001:db8::/32 devices, 2001:db8:ffff::/48 remotes), else IPv4
    uint16_t vlan = 0;  // an 802.1Q tag with this id, 0 for none
};

// The device MAC all benchmark flows come from.
Mac flow_device();
// Frame `round` of flow `i` (TCP for even i, UDP for odd, to port 443), from
// the device to the gateway; with `reply`, the remote's answer.  IPv4 flows
// come from 10.0.0.0/8 and go to 198.18.0.0/16; distinct i give distinct flows
// up to 2^32.
Bytes flow_frame(uint64_t i, uint32_t round, const FlowShape& shape, bool reply = false);

enum class FlowOrder {
    sequential,  // 0, 1, ..., n-1, again: what the benchmark did before (the prefetcher's best case)
    random,      // every round a fresh random permutation of the flows: each flow once per round
    zipf,        // flows drawn by a Zipf law (s = 1) over ranks dealt to flows at random
};

// "sequential", "random" or "zipf"; throws std::invalid_argument otherwise.
FlowOrder parse_flow_order(const std::string& name);
const char* to_string(FlowOrder order);

// The flow of each of `length` packets over `flows` flows (flows > 0).
// Deterministic for a seed.  For zipf, some flows may never appear.
std::vector<uint32_t> flow_sequence(FlowOrder order, uint32_t flows, uint64_t length, uint64_t seed = 1);

}  // namespace spin::gen
