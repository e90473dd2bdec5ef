// Hash-flooding flows: the attack of a LAN device on the flow index.
//
// Until the index used a keyed hash (src/dataplane/flow_hash.h), a flow's
// slot was CRC32C of its canonical key with a fixed seed.  CRC is affine over
// GF(2), so flows that all share one 32-bit hash (and so one probe run, at any
// table size) are the kernel of a linear map: no brute force needed.  The
// capture generator and the benchmark use these flows to show the keyed index
// does not care, against random flows of the same size and shape.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/flow_key.h"

namespace spin::gen {

struct Ipv4Flow {  // from one LAN device, all TCP to one remote port
    uint8_t lan_ip[4];
    uint8_t remote_ip[4];
    uint16_t lan_port;
    uint16_t remote_port;
};

// The index hash SPIN used before: CRC32C of the 46-byte key, seed 0x5350494e
// (what rte_hash_crc computed; a unit test checks the two agree).
uint32_t crc_flow_hash(const dp::FlowKey& key);

// The canonical key the worker builds for a LAN -> remote TCP packet of `f`.
dp::FlowKey ipv4_flow_key(const uint8_t device_mac[6], const Ipv4Flow& f);

// `count` distinct flows (at most 65536) from device_mac to 198.18.0.0/16
// whose keys all have the same crc_flow_hash.  Deterministic.
std::vector<Ipv4Flow> crc_colliding_flows(const uint8_t device_mac[6], size_t count);
// `count` distinct flows of the same shape (addresses in the same ranges,
// the same remote port) with random free fields.
std::vector<Ipv4Flow> random_flows(size_t count, uint64_t seed);

}  // namespace spin::gen
