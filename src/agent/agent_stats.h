// Totals over all workers, for the exit report and DPDK telemetry.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/worker.h"

namespace spin::agent {

struct Totals {
    uint64_t rx_pkts[2] = {}, rx_bytes[2] = {}, tx_pkts[2] = {}, tx_bytes[2] = {}, tx_failed[2] = {};
    uint64_t blocked_pkts = 0, blocked_bytes = 0, non_ip = 0, truncated = 0, malformed = 0,
             fragments = 0, flows_created = 0, flows_ended = 0, flows_evicted = 0,
             flows_untracked = 0, flows_active = 0, records = 0, ring_overflow = 0, slow_copies = 0, slow_overflow = 0, polls = 0,
             idle_polls = 0;
};

Totals sum(const std::vector<std::unique_ptr<dp::Worker>>& workers);
// Packets and bytes rule `id` dropped, over all workers.
std::pair<uint64_t, uint64_t> rule_drops(const std::vector<std::unique_ptr<dp::Worker>>& workers, uint16_t id);

// Name / value pairs of one worker's counters (or of the totals), in a fixed order.
std::vector<std::pair<std::string, uint64_t>> counters(const dp::WorkerStats& s);
std::vector<std::pair<std::string, uint64_t>> counters(const Totals& t);

}  // namespace spin::agent
