#include "agent/agent.h"

#include <algorithm>
#include <cinttypes>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "agent/agent_stats.h"
#include "agent/channels.h"
#include "agent/eal.h"
#include "agent/flow_log.h"
#include "agent/flow_summary.h"
#include "agent/port.h"
#include "agent/reflex_handler.h"
#include "agent/rule_registry.h"
#include "agent/slowpath/event_builder.h"
#include "agent/slowpath/slow_path_reader.h"
#include "agent/state_file.h"
#include "agent/telemetry.h"
#include "common/log.h"
#include "common/service_notify.h"
#include "dataplane/record_ring.h"
#include "dataplane/slow_path.h"
#include "dataplane/worker.h"
#include "proto/flow_record_json.h"

namespace spin::agent {

std::atomic<bool> g_stop_requested{false};

namespace {

struct LaunchArgs {
    dp::Worker* worker;
    dp::WorkerPorts ports;
    const std::atomic<bool>* stop;
};

int worker_main(void* arg) {
    auto* a = static_cast<LaunchArgs*>(arg);
    a->worker->run(a->ports, *a->stop);
    return 0;
}

// VmHWM from /proc: the most memory this process ever held resident.
uint64_t peak_rss_kib() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
    return 0;
}

// The driver's own counters: what was lost before a worker ever saw it.
void print_port_stats(const Port& port) {
    rte_eth_stats st{};
    if (rte_eth_stats_get(port.id(), &st) != 0) return;
    fmt::print(stderr, "  port {} ({}): rx {} tx {} missed {} rx_errors {} tx_errors {} no_mbuf {}\n", port.role(),
               port.driver(), st.ipackets, st.opackets, st.imissed, st.ierrors, st.oerrors, st.rx_nombuf);
}

// The agent's counters as a `stats` event: each worker's, each port's
// (the driver's), and the rules that dropped most.
proto::StatsEvent stats_event(const std::vector<std::unique_ptr<dp::Worker>>& workers, const Port& lan, const Port* wan,
                              const RuleRegistry& rules) {
    proto::StatsEvent e;
    for (size_t i = 0; i < workers.size() && i < proto::StatsEvent::kMaxWorkers; ++i) {
        proto::WorkerCounters w;
        w.worker = static_cast<uint32_t>(i);
        for (const auto& [name, value] : counters(workers[i]->stats())) w.counters[name] = value;
        e.workers.push_back(std::move(w));
    }
    for (const Port* port : {&lan, wan}) {
        rte_eth_stats st{};
        if (port == nullptr || rte_eth_stats_get(port->id(), &st) != 0) continue;
        e.ports.push_back({port->role(), st.ipackets, st.opackets, st.ibytes, st.obytes, st.imissed, st.ierrors,
                           st.oerrors, st.rx_nombuf});
    }
    for (const RuleInfo& r : rules.snapshot()) {
        const auto [pkts, bytes] = rule_drops(workers, r.id);
        e.rules.push_back({r.id, pkts, bytes});
    }
    if (e.rules.size() > proto::StatsEvent::kMaxRules) {
        std::partial_sort(e.rules.begin(), e.rules.begin() + proto::StatsEvent::kMaxRules, e.rules.end(),
                          [](const auto& a, const auto& b) { return a.pkts > b.pkts; });
        e.rules.resize(proto::StatsEvent::kMaxRules);
    }
    return e;
}

void print_stats(const std::vector<std::unique_ptr<dp::Worker>>& workers, const RuleRegistry& rules,
                 const Channels& channels, const slowpath::EventBuilder& events, const FlowLog* flow_log) {
    const Totals t = sum(workers);
    fmt::print(stderr, "spin-agent counters at exit:\n");
    fmt::print(stderr, "  {:<16} {:>14}", "counter", "total");
    for (size_t w = 0; w < workers.size(); ++w) fmt::print(stderr, " {:>14}", fmt::format("worker{}", w));
    fmt::print(stderr, "\n");
    const auto total = counters(t);
    std::vector<std::vector<std::pair<std::string, uint64_t>>> per;
    for (const auto& w : workers) per.push_back(counters(w->stats()));
    for (size_t i = 0; i < total.size(); ++i) {
        fmt::print(stderr, "  {:<16} {:>14}", total[i].first, total[i].second);
        for (const auto& p : per) fmt::print(stderr, " {:>14}", p[i].second);
        fmt::print(stderr, "\n");
    }
    for (const auto& r : rules.snapshot()) {
        const auto [pk, by] = rule_drops(workers, r.id);
        fmt::print(stderr, "  rule {} '{}': dropped {} packets, {} bytes\n", r.id, r.name, pk, by);
    }
    for (unsigned k = 1; k < dp::kSlowKinds; ++k) {
        const auto& c = events.counters(static_cast<dp::SlowKind>(k));
        if (c.frames != 0)
            fmt::print(stderr,
                       "  slow path {}: {} frames, {} events, {} refused by the parser, {} with nothing new, "
                       "{} not believed\n",
                       dp::to_string(static_cast<dp::SlowKind>(k)), c.frames, c.events, c.errors, c.quiet, c.untrusted);
    }
    const auto& dns = events.dns_matching();
    if (dns.queries != 0 || dns.unsolicited != 0)
        fmt::print(stderr, "  dns: {} queries, {} answers matched, {} unsolicited, {} queries dropped by the caps\n",
                   dns.queries, dns.matched, dns.unsolicited, dns.queries_dropped);
    fmt::print(stderr, "  learnt addresses dropped by the per-rule cap: {}\n", rules.learnt_dropped());
    const auto c = rules.commit_stats();
    fmt::print(stderr, "  block tables: version {}, {} commits, {} us in all, longest {} us\n", rules.version(),
               c.commits, c.total_us, c.max_us);
    channels.print_stats();
    if (flow_log != nullptr) fmt::print(stderr, "  flow log: {} lines\n", flow_log->lines());
    fmt::print(stderr, "  peak resident memory: {} MiB\n", peak_rss_kib() / 1024);
}

nlohmann::json stats_json(const std::vector<std::unique_ptr<dp::Worker>>& workers, const slowpath::EventBuilder& events,
                          const RuleRegistry& rules) {
    nlohmann::json j;
    for (const auto& [name, value] : counters(sum(workers))) j["counters"][name] = value;
    j["workers"] = workers.size();
    for (unsigned k = 1; k < dp::kSlowKinds; ++k) {
        const auto& c = events.counters(static_cast<dp::SlowKind>(k));
        j["slowpath"][dp::to_string(static_cast<dp::SlowKind>(k))] = {{"frames", c.frames},
                                                                      {"events", c.events},
                                                                      {"errors", c.errors},
                                                                      {"quiet", c.quiet},
                                                                      {"untrusted", c.untrusted}};
    }
    const auto& dns = events.dns_matching();
    j["dns"] = {{"queries", dns.queries},
                {"matched", dns.matched},
                {"unsolicited", dns.unsolicited},
                {"queries_dropped", dns.queries_dropped}};
    const auto c = rules.commit_stats();
    j["tables"] = {{"version", rules.version()},
                   {"commits", c.commits},
                   {"commit_us_total", c.total_us},
                   {"commit_us_max", c.max_us},
                   {"learnt_dropped", rules.learnt_dropped()}};
    j["peak_rss_kib"] = peak_rss_kib();
    return j;
}

}  // namespace

int run_agent(const AgentConfig& cfg) {
    const uint64_t boot_us = epoch_us_now();
    const auto args = eal_arguments(cfg);
    log_info("EAL arguments: {}", fmt::join(args, " "));
    Eal eal(args);

    std::optional<MbufPool> pool;  // declared before the ports: outlives them
    Port lan("lan", cfg.lan);
    std::optional<Port> wan;
    const bool monitor = cfg.mode == Mode::monitor;
    if (!monitor) wan.emplace("wan", cfg.wan);

    uint32_t queues = std::min<uint32_t>(cfg.workers, lan.max_rx_queues());
    if (!monitor)
        queues = std::min<uint32_t>({queues, lan.max_tx_queues(), wan->max_rx_queues(), wan->max_tx_queues()});
    if (queues == 0)
        throw std::runtime_error(monitor ? "lan port has no RX queue"
                                         : "a bridge needs an RX and a TX queue on both ports "
                                           "(net_pcap: give both rx_pcap and tx_pcap)");
    if (queues < cfg.workers)
        log_warn("workers: {} configured but the ports offer {} queue(s); running {} worker(s)", cfg.workers, queues,
                 queues);
    if (rte_lcore_count() < queues + 1)
        throw std::runtime_error(
            fmt::format("EAL gave {} lcores; need {} (main + workers)", rte_lcore_count(), queues + 1));

    pool.emplace("spin_mbufs", cfg.mbufs, cfg.mbuf_cache, lan.socket());
    lan.configure(static_cast<uint16_t>(queues), monitor, cfg.rx_descriptors, cfg.tx_descriptors, pool->get());
    if (wan) wan->configure(static_cast<uint16_t>(queues), false, cfg.rx_descriptors, cfg.tx_descriptors, pool->get());

    if (cfg.replay_order == ReplayOrder::time &&
        (lan.timestamp_units_per_us() == 0 || wan->timestamp_units_per_us() == 0))
        throw std::runtime_error(
            "replay_order: 'time' needs ports whose frames carry their capture time (net_pcap with rx_pcap)");
    dp::SharedTables tables(queues);
    RuleRegistry rules(tables);
    rules.hold_all_answers(cfg.replay_order == ReplayOrder::time);
    rules.configure_services({cfg.resolvers, cfg.dhcp_servers});
    for (const auto& r : cfg.blocks) rules.add(r, "config");
    // The rules in force when the agent last stopped (or died), before a
    // single packet passes: a quarantine outlives a restart.
    const StateFile state(state_dir(cfg), "rules.json");
    if (state.enabled()) {
        try {
            if (const auto doc = state.load())
                log_info("{}: {} ordered rule(s) back in force", state.path(), rules.restore(*doc));
        } catch (const std::exception& e) {
            log_error("{}; starting with the configuration's rules only", e.what());
        }
    }
    const uint32_t version = rules.commit();
    uint32_t saved_version = 0;
    auto last_save = std::chrono::steady_clock::now();
    auto persist = [&] {
        if (!state.enabled()) return;
        try {
            state.save(rules.state());
            saved_version = rules.version();
            last_save = std::chrono::steady_clock::now();
        } catch (const std::exception& e) {
            log_error("rules not kept across restarts: {}", e.what());
        }
    };
    log_info("block tables: {} rule(s), version {}", rules.snapshot().size(), version);

    dp::SlowPool slow_pool("spin_slow", cfg.slow_pool, lan.socket());
    std::vector<std::unique_ptr<dp::RecordRing>> rings;
    std::vector<std::unique_ptr<dp::SlowQueue>> slow_queues;
    std::vector<std::unique_ptr<dp::Worker>> workers;
    dp::ScanReflexConfig reflex = cfg.worker.reflex;
    if (reflex.mode == dp::ReflexMode::quarantine) reflex.rule = rules.reserve("reflex mirai_scan hold");
    for (uint32_t i = 0; i < queues; ++i) {
        dp::WorkerConfig wc = cfg.worker;
        wc.reflex = reflex;
        wc.index = static_cast<uint8_t>(i);
        wc.monitor = monitor;
        wc.time_ordered = cfg.replay_order == ReplayOrder::time;
        wc.rx_timestamp_units_per_us[dp::kLan] = lan.timestamp_units_per_us();
        wc.rx_timestamp_units_per_us[dp::kWan] = wan ? wan->timestamp_units_per_us() : 0;
        wc.max_tx_frame[dp::kLan] = lan.max_tx_frame();
        wc.max_tx_frame[dp::kWan] = wan ? wan->max_tx_frame() : 0;
        if (monitor) wc.lan = dp::LanClassifier(cfg.lan_prefixes, cfg.gateway_mac ? cfg.gateway_mac->data() : nullptr);
        rings.push_back(
            std::make_unique<dp::RecordRing>(fmt::format("spin_records_{}", i), cfg.ring_size, lan.socket()));
        slow_queues.push_back(std::make_unique<dp::SlowQueue>(fmt::format("spin_slow_{}", i), cfg.slow_ring_size,
                                                              slow_pool, lan.socket()));
        workers.push_back(std::make_unique<dp::Worker>(wc, tables, rings.back().get(), slow_queues.back().get()));
    }
    log_info("{} worker(s), flow table {} entries each ({:.1f} MiB), RSS {}, packet timestamps {}", queues,
             cfg.worker.flow_capacity, workers[0]->flows().memory_bytes() / 1048576.0, lan.rss() ? "on" : "off",
             lan.timestamp_units_per_us() != 0 ? "from the capture" : "from the TSC clock");

    slowpath::EventBuilder event_builder;
    OrderHandler::Hooks hooks;
    hooks.stats = [&] { return stats_json(workers, event_builder, rules); };
    hooks.rule_drops = [&](uint16_t id) { return rule_drops(workers, id); };
    hooks.persist = persist;
    Channels channels(cfg, boot_us, rules, std::move(hooks));
    // Packet time, from slow-path frames and flow records: what learnt
    // addresses expire by (a replay expires them as the capture did).
    uint64_t packet_clock_us = 0;
    event_builder.set_trust({monitor, cfg.resolvers});
    event_builder.on_dns(
        [&](const std::array<uint8_t, 6>& mac, const std::vector<slowpath::DnsBinding>& bindings, uint64_t time_us) {
            packet_clock_us = std::max(packet_clock_us, time_us);
            rules.learn(mac, bindings, time_us);  // committed once per control-loop round
        });
    event_builder.on_services([&](const slowpath::ServiceNews& news) {
        if (rules.learn_services(news.resolvers, news.dhcp_servers)) {
            const auto all = rules.services();
            auto text = [](const std::vector<IpPrefix>& v) {
                std::string out;
                for (const auto& p : v) out += (out.empty() ? "" : " ") + p.address_text();
                return out.empty() ? std::string("none") : out;
            };
            log_info("network services: resolvers {}; DHCP servers {}", text(all.resolvers), text(all.dhcp_servers));
        }
    });
    std::vector<dp::SlowQueue*> slow_ptrs;
    for (auto& q : slow_queues) slow_ptrs.push_back(q.get());
    slowpath::SlowPathReader slow_reader(slow_ptrs, event_builder,
                                         [&](proto::Event e) { channels.events().publish(std::move(e)); });

    ReflexHandler reflex_handler(reflex, cfg.id, rules, channels.events(), persist);

    std::unique_ptr<FlowLog> flow_log;
    if (!cfg.flow_log.empty())
        flow_log = std::make_unique<FlowLog>(cfg.flow_log, cfg.id, [&rules](uint32_t id) { return rules.name(id); });
    FlowSummary summary;
    auto dispatch = [&](const proto::FlowRecord& r) {
        packet_clock_us = std::max(packet_clock_us, r.last_us);
        if (r.event == static_cast<uint8_t>(proto::FlowEvent::start) ||
            r.event == static_cast<uint8_t>(proto::FlowEvent::update))
            rules.touch(r.mac, r.ip_version, r.remote_ip, r.last_us);
        if (auto* d = channels.digests()) d->add(r);
        if (flow_log) flow_log->add(r);
        if (cfg.summary) summary.add(r);
    };

    TelemetryRegistration telemetry(workers, rules);

    channels.hello("start");
    channels.wait_for_subscribers(cfg.wait_subscribers, std::chrono::milliseconds(cfg.wait_timeout_ms),
                                  g_stop_requested);

    lan.start();
    if (wan) wan->start();

    std::atomic<bool> stop{false};
    // Whatever ends this function from here on (a return, an exception in
    // the control loop) stops the workers first: this guard is destroyed
    // before everything declared above it, which the workers use.
    struct StopWorkers {
        std::atomic<bool>& stop;
        ~StopWorkers() {
            stop.store(true);
            rte_eal_mp_wait_lcore();
        }
    } stop_workers{stop};
    std::vector<LaunchArgs> launch(queues);
    {
        uint32_t i = 0;
        unsigned lcore;
        RTE_LCORE_FOREACH_WORKER(lcore) {
            if (i == queues) break;
            launch[i] = {workers[i].get(), {lan.id(), wan ? wan->id() : lan.id(), static_cast<uint16_t>(i)}, &stop};
            if (rte_eal_remote_launch(worker_main, &launch[i], lcore) != 0)
                throw std::runtime_error(fmt::format("cannot launch worker {} on lcore {}", i, lcore));
            ++i;
        }
    }
    log_info("forwarding ({} mode{})", monitor ? "monitor" : "bridge",
             cfg.replay_order == ReplayOrder::time ? ", both ports merged in capture-time order" : "");
    ServiceNotifier service;
    service.ready(fmt::format("forwarding, {} worker(s)", workers.size()));
    // The watchdog hears from the agent only while every worker turns: a
    // stuck worker gets the agent restarted (and the unit bridges the ports
    // in the kernel meanwhile, docs/deployment.md), not a silent outage.
    std::vector<uint64_t> polls_at_ping(workers.size(), 0);
    const auto workers_turned = [&] {
        bool all = true;
        for (size_t i = 0; i < workers.size(); ++i) {
            const uint64_t polls = workers[i]->stats().polls.get();
            all = all && polls != polls_at_ping[i];
            polls_at_ping[i] = polls;
        }
        return all;
    };

    // Control loop.
    constexpr unsigned kDrain = 256;
    std::vector<proto::FlowRecord> buf(kDrain);
    auto drain_rings = [&] {
        unsigned total = 0;
        for (auto& ring : rings)
            for (unsigned n; (n = ring->dequeue(buf.data(), kDrain)) != 0;) {
                for (unsigned k = 0; k < n; ++k) dispatch(buf[k]);
                total += n;
            }
        return total;
    };
    const auto publish_stats = [&] {
        proto::Event e;
        e.time = epoch_seconds_now();
        e.body = stats_event(workers, lan, wan ? &*wan : nullptr, rules);
        channels.events().publish(std::move(e));
    };
    uint64_t last_rx = UINT64_MAX;
    auto last_change = std::chrono::steady_clock::now(), last_stats = last_change;
    while (!g_stop_requested.load()) {
        // The slow path first: a DNS-name rule should be in force before the
        // device's first packet to the address it just resolved.
        unsigned got = slow_reader.poll();
        // What the answers taught, in one snapshot, paced so that a flood
        // of answers cannot keep the control thread publishing.
        rules.expire(packet_clock_us);
        if (rules.commit_due(std::chrono::steady_clock::now())) rules.commit();
        // Held DNS answers go once nothing they taught waits for publishing.
        if (!rules.dirty()) slow_reader.release_held();
        // What answers and DHCP taught is kept too, at most every few seconds.
        if (rules.version() != saved_version && std::chrono::steady_clock::now() - last_save > std::chrono::seconds(5))
            persist();
        got += drain_rings();
        // After the records: the alert follows the start records of the SYNs it counts.
        got += reflex_handler.poll(workers);
        channels.poll();
        if (cfg.exit_on_eof) {
            const Totals t = sum(workers);
            const uint64_t rx = t.rx_pkts[0] + t.rx_pkts[1];
            const auto now = std::chrono::steady_clock::now();
            if (rx != last_rx || got != 0) {
                last_rx = rx;
                last_change = now;
            } else if (now - last_change >= std::chrono::milliseconds(cfg.eof_idle_ms)) {
                log_info("input exhausted ({} packets received); stopping", rx);
                break;
            }
        }
        if (service.due() && workers_turned()) service.ping();
        if (cfg.stats_ms != 0 &&
            std::chrono::steady_clock::now() - last_stats >= std::chrono::milliseconds(cfg.stats_ms)) {
            last_stats = std::chrono::steady_clock::now();
            publish_stats();
        }
        if (got == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (g_stop_requested.load()) log_info("signal received; stopping");
    service.stopping();

    stop.store(true);
    rte_eal_mp_wait_lcore();
    persist();
    while (slow_reader.poll() != 0) {}
    drain_rings();
    reflex_handler.poll(workers);
    for (auto& w : workers) w->drain(proto::EndReason::exit, dispatch);
    channels.flush();
    if (cfg.stats_ms != 0) publish_stats();  // the counters as they end, for the controller's /metrics
    proto::Event goodbye;
    goodbye.time = epoch_seconds_now();
    goodbye.body = proto::GoodbyeEvent{rules.version()};
    channels.events().publish(std::move(goodbye));
    if (cfg.summary) summary.print();
    print_stats(workers, rules, channels, event_builder, flow_log.get());
    print_port_stats(lan);
    if (wan) print_port_stats(*wan);
    return 0;
}

}  // namespace spin::agent
