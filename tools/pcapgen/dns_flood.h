// A DNS-answer flood (docs/benchmarks.md, "DNS-answer flood"): queries for
// distinct names under flood.test from `devices` LAN devices (round-robin,
// 02:53:50:49:4e:10 and on, 10.0.0.10 and on) to a resolver on the internet
// (192.0.2.53, behind the gateway 02:53:50:49:4e:fe), each answered with
// `records` A records of addresses never given before (TTL 300), frames
// 10 µs apart.  Written to captures by spin-pcapgen and fed to the control
// loop by spin-control-bench.  Test traffic only: never sent on a network.
#pragma once

#include <cstdint>
#include <functional>

#include "packet_builder.h"

namespace spin::gen {

Mac dns_flood_device(uint32_t d);

struct FloodFrame {
    uint64_t time_us;
    bool from_network;  // the answer (else the device's query)
    const Bytes& frame;
};
// Calls `out` for every frame in time order: a query, then its answer.
void dns_flood(uint32_t devices, uint64_t answers, uint32_t records, uint64_t start_us,
               const std::function<void(const FloodFrame&)>& out);

}  // namespace spin::gen
