// DPDK telemetry commands (read with dpdk-telemetry.py or any client of the
// telemetry socket): /spin/stats, /spin/worker,<n>, /spin/rules.
#pragma once

#include <memory>
#include <vector>

#include "agent/rule_registry.h"
#include "dataplane/worker.h"

namespace spin::agent {

// Registers the commands for the lifetime of this object (DPDK cannot
// unregister them; after destruction they answer with an error).
class TelemetryRegistration {
public:
    TelemetryRegistration(const std::vector<std::unique_ptr<dp::Worker>>& workers, const RuleRegistry& rules);
    ~TelemetryRegistration();
};

}  // namespace spin::agent
