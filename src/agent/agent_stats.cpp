#include "agent/agent_stats.h"

namespace spin::agent {

Totals sum(const std::vector<std::unique_ptr<dp::Worker>>& workers) {
    Totals t;
    for (const auto& w : workers) {
        const auto& s = w->stats();
#define SPIN_SUM_SIDE(name, meaning) \
    for (int i = 0; i < 2; ++i) t.name[i] += s.name[i].get();
#define SPIN_SUM(name, meaning) t.name += s.name.get();
        SPIN_SIDE_COUNTERS(SPIN_SUM_SIDE)
        SPIN_WORKER_COUNTERS(SPIN_SUM)
#undef SPIN_SUM_SIDE
#undef SPIN_SUM
    }
    return t;
}

std::pair<uint64_t, uint64_t> rule_drops(const std::vector<std::unique_ptr<dp::Worker>>& workers, uint16_t id) {
    uint64_t pkts = 0, bytes = 0;
    for (const auto& w : workers) {
        pkts += w->rule_pkts(id);
        bytes += w->rule_bytes(id);
    }
    return {pkts, bytes};
}

namespace {
template <typename S, typename Get>
std::vector<std::pair<std::string, uint64_t>> list(const S& s, Get get) {
    std::vector<std::pair<std::string, uint64_t>> out;
#define SPIN_LIST_SIDE(name, meaning)               \
    out.emplace_back("lan_" #name, get(s.name[0])); \
    out.emplace_back("wan_" #name, get(s.name[1]));
#define SPIN_LIST(name, meaning) out.emplace_back(#name, get(s.name));
    SPIN_SIDE_COUNTERS(SPIN_LIST_SIDE)
    SPIN_WORKER_COUNTERS(SPIN_LIST)
#undef SPIN_LIST_SIDE
#undef SPIN_LIST
    return out;
}
}  // namespace

std::vector<std::pair<std::string, uint64_t>> counters(const dp::WorkerStats& s) {
    return list(s, [](const dp::Counter& c) { return c.get(); });
}

std::vector<std::pair<std::string, uint64_t>> counters(const Totals& t) {
    return list(t, [](uint64_t v) { return v; });
}

}  // namespace spin::agent
