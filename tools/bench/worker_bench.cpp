// In-process cost of the worker pipeline: Worker::process_burst on prepared
// mbufs (64-byte TCP / UDP frames of N distinct flows, LAN -> WAN), after a
// warm-up pass has put every flow in the table.
//
//   spin-worker-bench [google-benchmark flags]      ns and TSC cycles per packet
//   spin-worker-bench --instructions FLOWS PACKETS [--mud] [--reflex]  one measured run for callgrind
//       (--mud: with a 201-entry MUD policy in force; --reflex: with the Mirai reflex in quarantine mode):
//       valgrind --tool=callgrind --instr-atstart=no spin-worker-bench --instructions ...
//     instruments only the measured loop and prints the packet count.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <valgrind/callgrind.h>

#include "dataplane/worker.h"
#include "packet_builder.h"

using namespace spin;

namespace {

// One mbuf per flow, holding that flow's frame; small data rooms so a million
// fit in a few hundred MB.  Packets of the measured loop walk the array, so at
// large flow counts both the frames and the flow entries come from DRAM, as
// they would from a NIC.
class Frames {
public:
    explicit Frames(uint32_t flows) {
        pool_ = rte_pktmbuf_pool_create(("bench" + std::to_string(flows)).c_str(), flows + 64, 0, 0,
                                        128 + RTE_PKTMBUF_HEADROOM, 0);
        if (pool_ == nullptr) throw std::runtime_error("mbuf pool");
        const gen::Mac dev{{0x02, 0x53, 0x50, 0x49, 0x4e, 0x21}}, gw{{0x02, 0x53, 0x50, 0x49, 0x4e, 0xfe}};
        for (uint32_t i = 0; i < flows; ++i) {
            gen::Ip src = gen::Ip::v4("10.0.0.0"), dst = gen::Ip::v4("198.18.0.0");
            src.b[1] = static_cast<uint8_t>(i >> 16);
            src.b[2] = static_cast<uint8_t>(i >> 8);
            src.b[3] = static_cast<uint8_t>(i);
            dst.b[3] = static_cast<uint8_t>(i % 7);
            const uint16_t sport = static_cast<uint16_t>(1024 + i % 50000);
            const gen::Bytes l4 = (i & 1) ? gen::udp(src, dst, sport, 443, gen::Bytes(18, 0))
                                          : gen::tcp(src, dst, sport, 443, 1, 1, 0x10, gen::Bytes(6, 0));
            const gen::Bytes f = gen::ethernet({dev, gw, {}}, 0x0800, gen::ip_packet(src, dst, (i & 1) ? 17 : 6, l4));
            rte_mbuf* m = rte_pktmbuf_alloc(pool_);
            std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(f.size())), f.data(), f.size());
            mbufs_.push_back(m);
        }
    }
    ~Frames() {
        for (auto* m : mbufs_) rte_pktmbuf_free(m);
        rte_mempool_free(pool_);
    }
    rte_mbuf** at(size_t i) { return &mbufs_[i]; }
    size_t size() const { return mbufs_.size(); }

private:
    rte_mempool* pool_;
    std::vector<rte_mbuf*> mbufs_;
};

// A MUD policy of 201 entries for the device all frames come from, as big as
// the biggest shared profile: 200 that never match this traffic (each entry
// of a new flow is tried), then one that allows it.
std::vector<dp::DevicePolicyTable> big_policy() {
    dp::DevicePolicyTable d{
        .mac = MacAddress(std::array<uint8_t, 6>{0x02, 0x53, 0x50, 0x49, 0x4e, 0x21}), .rule = 65, .enforce = true};
    for (int i = 0; i < 200; ++i) {
        dp::PolicyRule r;
        r.dir = static_cast<uint8_t>(i & 1);
        r.proto = (i & 2) ? 17 : 6;
        r.any_remote = false;
        r.remotes = {*IpPrefix::parse("203.0." + std::to_string(i) + ".0/24")};
        r.remote_port = PortRange::only(static_cast<uint16_t>(8000 + i));
        d.rules.push_back(r);
    }
    dp::PolicyRule allow;
    allow.any_remote = false;
    allow.remotes = {*IpPrefix::parse("198.18.0.0/24")};
    d.rules.push_back(allow);
    return {d};
}

// The full pipeline as the agent runs it: metering, block tables with rules in
// force (none matching this traffic), records to a ring and slow-path copies
// to a queue that the harness drains as the control lcore would; with `mud`,
// a 201-entry MUD policy in enforce mode too; with `reflex`, the Mirai reflex
// in quarantine mode.
struct Pipeline {
    Pipeline(uint32_t flows, bool mud, bool reflex) : frames(flows), tables(1) {
        dp::WorkerConfig cfg;
        if (reflex) cfg.reflex.mode = dp::ReflexMode::quarantine;
        cfg.flow_capacity = std::max<uint32_t>(flows, 1024);
        cfg.update_interval_us = 1'000'000;
        std::vector<dp::TableEntry> entries;
        for (uint16_t i = 1; i <= 64; ++i) {
            dp::TableEntry e;
            e.rule = i;
            e.kind = i % 2 ? dp::EntryKind::global_remote : dp::EntryKind::quarantine;
            e.prefix = *IpPrefix::parse("203.0." + std::to_string(i) + ".0/24");
            e.mac = MacAddress(std::array<uint8_t, 6>{0x02, 0, 0, 0, 0, static_cast<uint8_t>(i)});
            entries.push_back(e);
        }
        tables.publish_blocks(entries);
        if (mud) tables.publish_policies(big_policy());
        ring = std::make_unique<dp::RecordRing>("bench_ring" + std::to_string(flows), 1 << 16, 0);
        slow_pool = std::make_unique<dp::SlowPool>("bench_slow_pool" + std::to_string(flows), 4095, 0);
        slow = std::make_unique<dp::SlowQueue>("bench_slow" + std::to_string(flows), 1024, *slow_pool, 0);
        worker = std::make_unique<dp::Worker>(cfg, tables, ring.get(), slow.get());
        tables.rcu.online(0);
        for (size_t i = 0; i < frames.size(); i += dp::kBurstSize) burst(i);  // warm-up: every flow in
        drain();
    }
    ~Pipeline() { tables.rcu.offline(0); }

    uint16_t burst(size_t at) {
        const uint16_t n = static_cast<uint16_t>(std::min<size_t>(dp::kBurstSize, frames.size() - at));
        rte_mbuf* out[dp::kBurstSize];
        worker->process_burst(dp::kLan, frames.at(at), n, now, out);  // forwards the same mbufs
        now += 1;
        return n;
    }
    // The next burst of the walk over all flows; at the end of each walk the
    // control side's share runs (housekeeping, draining records), as in the agent.
    uint16_t step() {
        const uint16_t n = burst(next);
        next += n;
        if (next >= frames.size()) {
            next = 0;
            worker->housekeeping(now);
            drain();
        }
        return n;
    }
    void drain() {
        proto::FlowRecord r[256];
        while (ring->dequeue(r, 256) != 0) {}
        rte_mbuf* copies[32];
        for (unsigned n; (n = slow->pop(copies, 32)) != 0;) rte_pktmbuf_free_bulk(copies, n);
    }

    Frames frames;
    dp::SharedTables tables;
    std::unique_ptr<dp::RecordRing> ring;
    std::unique_ptr<dp::SlowPool> slow_pool;
    std::unique_ptr<dp::SlowQueue> slow;
    std::unique_ptr<dp::Worker> worker;
    uint64_t now = 1'767'225'600'000'000ull;
    size_t next = 0;
};

// One pipeline at a time (a million flows hold a few hundred MB); released
// before the EAL is cleaned up.
std::unique_ptr<Pipeline> g_pipeline;
uint32_t g_pipeline_flows = 0;
bool g_pipeline_mud = false, g_pipeline_reflex = false;

Pipeline& pipeline(uint32_t flows, bool mud, bool reflex) {
    if (g_pipeline_flows != flows || g_pipeline_mud != mud || g_pipeline_reflex != reflex) {
        g_pipeline.reset();
        g_pipeline = std::make_unique<Pipeline>(flows, mud, reflex);
        g_pipeline_flows = flows;
        g_pipeline_mud = mud;
        g_pipeline_reflex = reflex;
    }
    return *g_pipeline;
}

void BM_ProcessBurst(benchmark::State& state) {
    Pipeline& p = pipeline(static_cast<uint32_t>(state.range(0)), state.range(1) != 0, state.range(1) != 0);
    uint64_t packets = 0;
    const uint64_t tsc0 = rte_rdtsc();
    for (auto _ : state) packets += p.step();
    const uint64_t tsc = rte_rdtsc() - tsc0;
    state.SetItemsProcessed(static_cast<int64_t>(packets));  // ns per packet = 1e9 / items_per_second
    state.counters["tsc_cycles_per_packet"] = static_cast<double>(tsc) / static_cast<double>(packets);
    state.counters["flows_in_table"] = p.worker->flows().size();
}
// Second argument: 1 with the MUD policy and the reflex in force.
BENCHMARK(BM_ProcessBurst)
    ->Args({1000, 0})
    ->Args({100000, 0})
    ->Args({1000000, 0})
    ->Args({1000, 1})
    ->Args({100000, 1})
    ->Args({1000000, 1})
    ->Unit(benchmark::kNanosecond);

int count_instructions(uint32_t flows, uint64_t packets, bool mud, bool reflex) {
    Pipeline& p = pipeline(flows, mud, reflex);
    uint64_t done = 0;
    CALLGRIND_START_INSTRUMENTATION;
    while (done < packets) done += p.step();
    CALLGRIND_STOP_INSTRUMENTATION;
    std::printf("packets %llu\n", static_cast<unsigned long long>(done));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args = {"spin-worker-bench",
                                     "--no-huge",
                                     "--no-pci",
                                     "--no-shconf",
                                     "-m",
                                     "1024",
                                     "--lcores=0",
                                     "--log-level=*:error",
                                     "--file-prefix=spin-bench-" + std::to_string(getpid())};
    std::vector<char*> eal;
    for (auto& a : args) eal.push_back(a.data());
    if (rte_eal_init(static_cast<int>(eal.size()), eal.data()) < 0) {
        std::fprintf(stderr, "cannot initialise the EAL\n");
        return 1;
    }
    int rc = 0;
    if (argc >= 4 && argc <= 6 && std::string(argv[1]) == "--instructions") {
        bool mud = false, reflex = false;
        for (int i = 4; i < argc; ++i) {
            mud = mud || std::string(argv[i]) == "--mud";
            reflex = reflex || std::string(argv[i]) == "--reflex";
        }
        rc = count_instructions(static_cast<uint32_t>(std::stoul(argv[2])), std::stoull(argv[3]), mud, reflex);
    } else {
        benchmark::Initialize(&argc, argv);
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
    }
    g_pipeline.reset();
    rte_eal_cleanup();
    return rc;
}
