#include "agent/telemetry.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include <rte_telemetry.h>

#include "agent/agent_stats.h"

namespace spin::agent {

namespace {

// Telemetry callbacks are plain functions: they reach the agent through these.
std::atomic<const std::vector<std::unique_ptr<dp::Worker>>*> g_workers{nullptr};
std::atomic<const RuleRegistry*> g_rules{nullptr};

void add_counters(rte_tel_data* d, const std::vector<std::pair<std::string, uint64_t>>& list) {
    for (const auto& [name, v] : list) rte_tel_data_add_dict_u64(d, name.c_str(), v);
}

int stats_cb(const char*, const char*, rte_tel_data* d) {
    const auto* workers = g_workers.load();
    if (workers == nullptr) return -1;
    rte_tel_data_start_dict(d);
    add_counters(d, counters(sum(*workers)));
    rte_tel_data_add_dict_u64(d, "workers", workers->size());
    return 0;
}

int worker_cb(const char*, const char* params, rte_tel_data* d) {
    const auto* workers = g_workers.load();
    if (workers == nullptr || params == nullptr || *params == '\0') return -1;
    char* end = nullptr;
    const unsigned long i = std::strtoul(params, &end, 10);
    if (*end != '\0' || i >= workers->size()) return -1;
    rte_tel_data_start_dict(d);
    add_counters(d, counters((*workers)[i]->stats()));
    rte_tel_data_add_dict_u64(d, "flow_capacity", (*workers)[i]->flows().capacity());
    return 0;
}

int rules_cb(const char*, const char*, rte_tel_data* d) {
    const auto* workers = g_workers.load();
    const auto* rules = g_rules.load();
    if (workers == nullptr || rules == nullptr) return -1;
    rte_tel_data_start_dict(d);
    for (const auto& r : rules->snapshot())
        rte_tel_data_add_dict_u64(d, r.name.c_str(), rule_drops(*workers, r.id).first);
    return 0;
}

}  // namespace

TelemetryRegistration::TelemetryRegistration(const std::vector<std::unique_ptr<dp::Worker>>& workers,
                                             const RuleRegistry& rules) {
    g_workers.store(&workers);
    g_rules.store(&rules);
    rte_telemetry_register_cmd("/spin/stats", stats_cb, "Agent counters summed over workers. No parameters");
    rte_telemetry_register_cmd("/spin/worker", worker_cb, "One worker's counters. Parameter: worker index");
    rte_telemetry_register_cmd("/spin/rules", rules_cb, "Packets dropped per block rule. No parameters");
}

TelemetryRegistration::~TelemetryRegistration() {
    g_workers.store(nullptr);
    g_rules.store(nullptr);
}

}  // namespace spin::agent
