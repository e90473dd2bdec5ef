// Totals over all workers, for the exit report and DPDK telemetry.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/worker.h"

namespace spin::agent {

struct Totals {
#define SPIN_SIDE_TOTAL(name, meaning) uint64_t name[2] = {};
#define SPIN_TOTAL(name, meaning) uint64_t name = 0;
    SPIN_SIDE_COUNTERS(SPIN_SIDE_TOTAL)
    SPIN_WORKER_COUNTERS(SPIN_TOTAL)
#undef SPIN_SIDE_TOTAL
#undef SPIN_TOTAL
};

Totals sum(const std::vector<std::unique_ptr<dp::Worker>>& workers);
// Packets and bytes rule `id` dropped, over all workers.
std::pair<uint64_t, uint64_t> rule_drops(const std::vector<std::unique_ptr<dp::Worker>>& workers, uint16_t id);

// Name / value pairs of one worker's counters (or of the totals), in a fixed order.
std::vector<std::pair<std::string, uint64_t>> counters(const dp::WorkerStats& s);
std::vector<std::pair<std::string, uint64_t>> counters(const Totals& t);

}  // namespace spin::agent
