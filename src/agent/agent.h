// The spin-agent process: brings up the EAL and ports, launches one worker per
// lcore, and runs the control loop on the main lcore (records -> digests and
// flow log, counters -> telemetry, signals, end of input).
#pragma once

#include <atomic>

#include "agent/agent_config.h"

namespace spin::agent {

// Set by SIGINT / SIGTERM; the control loop then shuts down cleanly.
extern std::atomic<bool> g_stop_requested;

// Runs until stopped; returns the process exit code.  Throws on setup errors.
int run_agent(const AgentConfig& config);

}  // namespace spin::agent
