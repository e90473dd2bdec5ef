// The accounting state of the flows the controller tracks (nmf/ingest/
// flow_accounting.h), as the store keeps it beside the traffic it accounts
// for: written in the batch's transaction, so that after a restart, clean or
// kill -9, the next record of an open flow counts only what the store does
// not hold yet.  Internal to the controller: the API never reads it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "nmf/store/traffic.h"

namespace spin::nmf {

// A flow as the agents name it: device, LAN address and port, remote
// address and port, protocol.
struct FlowTuple {
    uint64_t mac = 0;
    std::array<uint8_t, 16> lan_ip{}, remote_ip{};
    uint16_t lan_port = 0, remote_port = 0;
    uint8_t proto = 0, ip_version = 0;
    bool operator==(const FlowTuple&) const = default;
};

// Where a flow stands: the agent's slot for it, and its totals as last
// reported.
struct FlowProgress {
    uint32_t flow_id = 0;
    uint8_t worker = 0;
    bool ended = false;
    uint64_t first_us = 0, last_us = 0;
    TrafficCounters totals;  // flows unused
};

// One flow as the store keeps it: its tuple, the agent reporting it by id.
struct OpenFlowRow : FlowProgress {
    FlowTuple tuple;
    std::string agent;
};

// The tuple as the store's key: a fixed layout of kFlowKeyBytes (MAC, the
// two addresses, ports big-endian, protocol, IP version).
constexpr size_t kFlowKeyBytes = 6 + 16 + 16 + 2 + 2 + 1 + 1;
std::array<uint8_t, kFlowKeyBytes> flow_key(const FlowTuple& t);
// nullopt for a key of another length or IP version (a store written by
// something else).
std::optional<FlowTuple> flow_tuple(std::span<const uint8_t> key);

}  // namespace spin::nmf
