#include "agent/agent_stats.h"

namespace spin::agent {

Totals sum(const std::vector<std::unique_ptr<dp::Worker>>& workers) {
    Totals t;
    for (const auto& w : workers) {
        const auto& s = w->stats();
        for (int i = 0; i < 2; ++i) {
            t.rx_pkts[i] += s.rx_pkts[i].get();
            t.rx_bytes[i] += s.rx_bytes[i].get();
            t.tx_pkts[i] += s.tx_pkts[i].get();
            t.tx_bytes[i] += s.tx_bytes[i].get();
            t.tx_failed[i] += s.tx_failed[i].get();
        }
        t.blocked_pkts += s.blocked_pkts.get();
        t.blocked_bytes += s.blocked_bytes.get();
        t.non_ip += s.non_ip.get();
        t.truncated += s.truncated.get();
        t.malformed += s.malformed.get();
        t.fragments += s.fragments.get();
        t.flows_created += s.flows_created.get();
        t.flows_ended += s.flows_ended.get();
        t.flows_evicted += s.flows_evicted.get();
        t.flows_untracked += s.flows_untracked.get();
        t.flows_active += s.flows_active.get();
        t.records += s.records.get();
        t.ring_overflow += s.ring_overflow.get();
        t.slow_copies += s.slow_copies.get();
        t.slow_overflow += s.slow_overflow.get();
        t.polls += s.polls.get();
        t.idle_polls += s.idle_polls.get();
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
    return {
        {"lan_rx_pkts", get(s.rx_pkts[0])},     {"lan_rx_bytes", get(s.rx_bytes[0])},
        {"wan_rx_pkts", get(s.rx_pkts[1])},     {"wan_rx_bytes", get(s.rx_bytes[1])},
        {"lan_tx_pkts", get(s.tx_pkts[0])},     {"lan_tx_bytes", get(s.tx_bytes[0])},
        {"wan_tx_pkts", get(s.tx_pkts[1])},     {"wan_tx_bytes", get(s.tx_bytes[1])},
        {"lan_tx_failed", get(s.tx_failed[0])}, {"wan_tx_failed", get(s.tx_failed[1])},
        {"blocked_pkts", get(s.blocked_pkts)},  {"blocked_bytes", get(s.blocked_bytes)},
        {"non_ip", get(s.non_ip)},              {"truncated", get(s.truncated)},
        {"malformed", get(s.malformed)},        {"fragments", get(s.fragments)},
        {"flows_created", get(s.flows_created)}, {"flows_ended", get(s.flows_ended)},
        {"flows_evicted", get(s.flows_evicted)}, {"flows_untracked", get(s.flows_untracked)},
        {"flows_active", get(s.flows_active)},  {"records", get(s.records)},
        {"ring_overflow", get(s.ring_overflow)}, {"slow_copies", get(s.slow_copies)},
        {"slow_overflow", get(s.slow_overflow)}, {"polls", get(s.polls)},
        {"idle_polls", get(s.idle_polls)},
    };
}
}  // namespace

std::vector<std::pair<std::string, uint64_t>> counters(const dp::WorkerStats& s) {
    return list(s, [](const dp::Counter& c) { return c.get(); });
}

std::vector<std::pair<std::string, uint64_t>> counters(const Totals& t) {
    return list(t, [](uint64_t v) { return v; });
}

}  // namespace spin::agent
