// The controller's figures in Prometheus' text exposition format (version
// 0.0.4): what GET /api/v1/status and /api/v1/agents say, under `spin_`
// names in base units, counters ending in `_total`, and labels from bounded
// sets only (agent, detector, what was dropped; never a remote address).
// docs/integrations.md lists every metric.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace spin::controller {

// `status`: Controller::stats(); `agents`: the agents' status list.
// `unmapped` (optional) receives the numeric fields of `status` that no
// metric carries, so a test can insist that none is forgotten.
std::string prometheus_text(const nlohmann::json& status, const nlohmann::json& agents,
                            std::vector<std::string>* unmapped = nullptr);

}  // namespace spin::controller
