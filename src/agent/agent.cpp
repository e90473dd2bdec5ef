#include "agent/agent.h"

#include <algorithm>
#include <cinttypes>
#include <fstream>
#include <string>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "agent/agent_stats.h"
#include "agent/digest_publisher.h"
#include "agent/eal.h"
#include "agent/flow_log.h"
#include "agent/log.h"
#include "agent/port.h"
#include "agent/rule_registry.h"
#include "agent/telemetry.h"
#include "dataplane/record_ring.h"
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

// Per-device totals for the --summary report, from end records.
class Summary {
public:
    void add(const proto::FlowRecord& r) {
        if (static_cast<proto::FlowEvent>(r.event) != proto::FlowEvent::end) return;
        auto& d = devices_[proto::format_mac(r.mac)];
        d.flows += 1;
        d.pkts_out += r.pkts_out;
        d.bytes_out += r.bytes_out;
        d.pkts_in += r.pkts_in;
        d.bytes_in += r.bytes_in;
        d.blocked += r.blocked_pkts;
        d.protos[r.proto] += 1;
        // Keep the largest flows for the listing, bounded so a big replay stays cheap.
        top_.push_back(r);
        if (top_.size() > 4 * kTopFlows) trim();
    }
    void print() const {
        fmt::print("\nDevices seen (LAN-side MAC):\n");
        fmt::print("  {:<17} {:>6} {:>9} {:>11} {:>9} {:>11} {:>8}  protocols (flows)\n", "mac",
                   "flows", "pkts_out", "bytes_out", "pkts_in", "bytes_in", "blocked");
        for (const auto& [mac, d] : devices_) {
            std::string protos;
            for (const auto& [p, n] : d.protos)
                protos += fmt::format("{}{}:{}", protos.empty() ? "" : " ", proto_name(p), n);
            fmt::print("  {:<17} {:>6} {:>9} {:>11} {:>9} {:>11} {:>8}  {}\n",
                       mac.empty() ? "(none)" : mac, d.flows, d.pkts_out, d.bytes_out, d.pkts_in,
                       d.bytes_in, d.blocked, protos);
        }
        auto top = top_;
        std::sort(top.begin(), top.end(), bigger);
        if (top.size() > kTopFlows) top.resize(kTopFlows);
        fmt::print("\nLargest flows ({} shown):\n", top.size());
        fmt::print("  {:<17} {:<6} {:<42} {:<42} {:<9} {:>6} {:>9} {:>6} {:>9} {:<6}\n", "mac", "proto",
                   "lan", "remote", "initiator", "p_out", "b_out", "p_in", "b_in", "flags");
        for (const auto& r : top) {
            auto ep = [&](const uint8_t* ip, uint16_t port) {
                const auto a = proto::format_ip(ip, r.ip_version);
                return r.ip_version == 6 ? fmt::format("[{}]:{}", a, port) : fmt::format("{}:{}", a, port);
            };
            const auto mac = proto::format_mac(r.mac);
            fmt::print("  {:<17} {:<6} {:<42} {:<42} {:<9} {:>6} {:>9} {:>6} {:>9} {:<6}\n",
                       mac.empty() ? "(none)" : mac, proto_name(r.proto), ep(r.lan_ip, r.lan_port),
                       ep(r.remote_ip, r.remote_port), proto::to_string(static_cast<proto::Initiator>(r.initiator)),
                       r.pkts_out, r.bytes_out, r.pkts_in, r.bytes_in, proto::format_tcp_flags(r.tcp_flags));
        }
    }

private:
    static std::string proto_name(uint8_t p) {
        switch (p) {
        case 6: return "tcp";
        case 17: return "udp";
        case 1: return "icmp";
        case 58: return "icmpv6";
        default: return std::to_string(p);
        }
    }
    static constexpr size_t kTopFlows = 20;
    static bool bigger(const proto::FlowRecord& a, const proto::FlowRecord& b) {
        return a.bytes_out + a.bytes_in > b.bytes_out + b.bytes_in;
    }
    void trim() {
        std::nth_element(top_.begin(), top_.begin() + kTopFlows, top_.end(), bigger);
        top_.resize(kTopFlows);
    }
    struct Device {
        uint64_t flows = 0, pkts_out = 0, bytes_out = 0, pkts_in = 0, bytes_in = 0, blocked = 0;
        std::map<uint8_t, uint64_t> protos;
    };
    std::map<std::string, Device> devices_;
    std::vector<proto::FlowRecord> top_;
};

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
    fmt::print(stderr, "  port {} ({}): rx {} tx {} missed {} rx_errors {} tx_errors {} no_mbuf {}\n",
               port.role(), port.driver(), st.ipackets, st.opackets, st.imissed, st.ierrors,
               st.oerrors, st.rx_nombuf);
}

void print_stats(const std::vector<std::unique_ptr<dp::Worker>>& workers, const RuleRegistry& rules,
                 const DigestPublisher* publisher, const FlowLog* flow_log) {
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
    for (const auto& r : rules.rules()) {
        uint64_t pk = 0, by = 0;
        for (const auto& w : workers) {
            pk += w->rule_pkts(r.id);
            by += w->rule_bytes(r.id);
        }
        fmt::print(stderr, "  rule {} '{}': dropped {} packets, {} bytes\n", r.id, r.name, pk, by);
    }
    if (publisher != nullptr)
        fmt::print(stderr, "  digests: {} batches, {} records published on {}, {} send failures\n",
                   publisher->batches(), publisher->records(), publisher->endpoint(),
                   publisher->send_failures());
    if (flow_log != nullptr) fmt::print(stderr, "  flow log: {} lines\n", flow_log->lines());
    fmt::print(stderr, "  peak resident memory: {} MiB\n", peak_rss_kib() / 1024);
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
        log_warn("workers: {} configured but the ports offer {} queue(s); running {} worker(s)",
                 cfg.workers, queues, queues);
    if (rte_lcore_count() < queues + 1)
        throw std::runtime_error(fmt::format("EAL gave {} lcores; need {} (main + workers)",
                                             rte_lcore_count(), queues + 1));

    pool.emplace("spin_mbufs", cfg.mbufs, cfg.mbuf_cache, lan.socket());
    lan.configure(static_cast<uint16_t>(queues), monitor, cfg.rx_descriptors, cfg.tx_descriptors, pool->get());
    if (wan) wan->configure(static_cast<uint16_t>(queues), false, cfg.rx_descriptors, cfg.tx_descriptors, pool->get());

    dp::BlockTablePublisher blocks(queues);
    RuleRegistry rules(blocks);
    for (const auto& r : cfg.blocks) rules.add(r);
    const uint32_t version = rules.commit();
    log_info("block tables: {} rule(s), version {}", rules.rules().size(), version);

    std::vector<std::unique_ptr<dp::RecordRing>> rings;
    std::vector<std::unique_ptr<dp::Worker>> workers;
    for (uint32_t i = 0; i < queues; ++i) {
        dp::WorkerConfig wc = cfg.worker;
        wc.index = static_cast<uint8_t>(i);
        wc.monitor = monitor;
        wc.rx_timestamp_units_per_us[dp::kLan] = lan.timestamp_units_per_us();
        wc.rx_timestamp_units_per_us[dp::kWan] = wan ? wan->timestamp_units_per_us() : 0;
        if (monitor)
            wc.lan = dp::LanClassifier(cfg.lan_prefixes, cfg.gateway_mac ? cfg.gateway_mac->data() : nullptr);
        rings.push_back(std::make_unique<dp::RecordRing>(fmt::format("spin_records_{}", i), cfg.ring_size, lan.socket()));
        workers.push_back(std::make_unique<dp::Worker>(wc, blocks, rings.back().get()));
    }
    log_info("{} worker(s), flow table {} entries each ({:.1f} MiB), RSS {}, packet timestamps {}",
             queues, cfg.worker.flow_capacity, workers[0]->flows().memory_bytes() / 1048576.0,
             lan.rss() ? "on" : "off", lan.timestamp_units_per_us() != 0 ? "from the capture" : "from the TSC clock");

    zmq::context_t zmq_ctx;
    auto namer = [&rules](uint32_t id) { return rules.name(id); };
    std::unique_ptr<DigestPublisher> publisher;
    if (!cfg.publish.empty()) {
        try {
            publisher = std::make_unique<DigestPublisher>(zmq_ctx, cfg.publish, cfg.id, boot_us,
                                                          cfg.batch_records,
                                                          std::chrono::milliseconds(cfg.batch_delay_ms), namer);
        } catch (const zmq::error_t& e) {
            throw std::runtime_error(fmt::format("digests.publish '{}': {}", cfg.publish, e.what()));
        }
        log_info("publishing digests on {}", publisher->endpoint());
    }
    std::unique_ptr<FlowLog> flow_log;
    if (!cfg.flow_log.empty()) flow_log = std::make_unique<FlowLog>(cfg.flow_log, cfg.id, namer);
    Summary summary;
    auto dispatch = [&](const proto::FlowRecord& r) {
        if (publisher) publisher->add(r);
        if (flow_log) flow_log->add(r);
        if (cfg.summary) summary.add(r);
    };

    TelemetryRegistration telemetry(workers, rules);

    lan.start();
    if (wan) wan->start();

    std::atomic<bool> stop{false};
    std::vector<LaunchArgs> launch(queues);
    {
        uint32_t i = 0;
        unsigned lcore;
        RTE_LCORE_FOREACH_WORKER(lcore) {
            if (i == queues) break;
            launch[i] = {workers[i].get(), {lan.id(), wan ? wan->id() : lan.id(), static_cast<uint16_t>(i)}, &stop};
            if (rte_eal_remote_launch(worker_main, &launch[i], lcore) != 0) {
                // Workers already running use state about to be destroyed: stop them first.
                stop.store(true);
                rte_eal_mp_wait_lcore();
                throw std::runtime_error(fmt::format("cannot launch worker {} on lcore {}", i, lcore));
            }
            ++i;
        }
    }
    log_info("forwarding ({} mode)", monitor ? "monitor" : "bridge");

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
    uint64_t last_rx = UINT64_MAX;
    auto last_change = std::chrono::steady_clock::now();
    while (!g_stop_requested.load()) {
        const unsigned got = drain_rings();
        if (publisher) publisher->poll();
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
        if (got == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (g_stop_requested.load()) log_info("signal received; stopping");

    stop.store(true);
    rte_eal_mp_wait_lcore();
    drain_rings();
    for (auto& w : workers) w->drain(proto::EndReason::exit, dispatch);
    if (publisher) publisher->flush();
    if (cfg.summary) summary.print();
    print_stats(workers, rules, publisher.get(), flow_log.get());
    print_port_stats(lan);
    if (wan) print_port_stats(*wan);
    return 0;
}

}  // namespace spin::agent
