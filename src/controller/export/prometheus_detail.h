// The finer series of /metrics (docs/integrations.md): each agent's own
// counters per worker, port and rule (from its `stats` events), and per
// confirmed device its traffic, last sighting and stage.  Labels only from
// bounded sets: agent, worker, side, port, rule id, device MAC; never a
// remote address.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "controller/export/device_totals.h"
#include "proto/events.h"

namespace spin::controller {

struct AgentStats {
    std::string agent;
    const proto::StatsEvent* stats;  // nullptr: none received in its current run
};

std::string agent_counters_text(const std::vector<AgentStats>& agents);
std::string device_text(const std::vector<DeviceSeries>& devices, uint64_t untracked);

}  // namespace spin::controller
