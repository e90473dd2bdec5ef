// In-process cost of the worker pipeline: Worker::process_burst on prepared
// mbufs (one per flow, from spin-pcapgen's flow frames), after a warm-up that
// put every flow in the table, with housekeeping at the agent's cadence.
//
//   spin-worker-bench [google-benchmark flags]
//       ns and TSC cycles per packet, and each stage's TSC cycles per packet
//       (the worker's own stage timing, one poll in 16)
//   spin-worker-bench --instructions FLOWS PACKETS [--mud] [--reflex] [--order O] [--shape S] [--pps R]
//       one measured run for callgrind (--mud: a 201-entry MUD policy in
//       force; --reflex: the Mirai reflex in quarantine mode; O: sequential,
//       random or zipf; S: v4, v6, vlan or mix; time advances as if packets
//       came at R per second, 10M by default, so housekeeping's share is the
//       agent's at that rate):
//       valgrind --tool=callgrind --instr-atstart=no spin-worker-bench --instructions ...
//     instruments only the measured loop and prints the packet count.
//
// Benchmarks (arguments in the name):
//   BM_Steady/FLOWS/MUD/ORDER       a warm table, packets of known flows
//   BM_Shape/FLOWS/SHAPE            the same at one order (random) with MUD and reflex, by frame shape
//   BM_NewFlows/FLOWS/FULL/WIDE     a new flow on every packet: a table with room (FULL 0) or a
//                                   full one (FULL 1: each new flow evicts an idle one); WIDE 1: a
//                                   policy of port ranges and no protocol (every entry tried)
//   BM_YoungFullTable/FLOWS         a full table of flows too young to evict: new flows are refused
//                                   and forwarded untracked
//   BM_Publish/FLOWS                block tables published every 10 ms: every flow decides again
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

#include "bench_flows.h"
#include "dataplane/huge_mapping.h"
#include "dataplane/worker.h"

using namespace spin;

namespace {

enum Shape { kV4, kV6, kVlan, kMix };
const char* const kShapeNames[] = {"v4", "v6", "vlan", "mix"};

gen::FlowShape flow_shape(int shape) {
    gen::FlowShape s;
    s.ipv6 = shape == kV6;
    s.vlan = shape == kVlan ? 42 : 0;
    s.mix = shape == kMix;
    return s;
}

// A copy of n bytes on transparent huge pages (where the kernel gives them).
dp::HugeMapping huge_copy(const void* from, size_t n) {
    dp::HugeMapping m(n);
    std::memcpy(m.data(), from, n);
    return m;
}

// Every flow's frame, and the receive buffers a NIC would put them in.  A
// NIC writes each arriving frame into a buffer that the driver recycled a few
// bursts ago (and DDIO puts it in the cache): so each burst's frames are
// copied from their flows' templates into the next of a small ring of mbufs,
// outside the measured time, and the worker reads them as it would read a
// NIC's.  The templates are visited in the walk's order, so at large flow
// counts it is the flow table, not the frames, that comes from DRAM.
class Frames {
public:
    static constexpr unsigned kRxRing = 512;  // 16 bursts, as a small NIC descriptor ring

    Frames(uint32_t flows, int shape) {
        std::vector<uint8_t> bytes;
        std::vector<size_t> offsets;
        for (uint32_t i = 0; i < flows; ++i) {
            const gen::Bytes f = gen::flow_frame(i, 0, flow_shape(shape));
            offsets.push_back(bytes.size());
            bytes.insert(bytes.end(), f.begin(), f.end());
        }
        offsets.push_back(bytes.size());
        flows_ = flows;
        // On huge pages, as the flow table is: a million templates on small
        // pages took the TLB from the table (20 cycles per packet of the
        // harness's own at a million flows); a NIC's DMA touches no TLB.
        templates_ = huge_copy(bytes.data(), bytes.size());
        starts_ = huge_copy(offsets.data(), offsets.size() * sizeof(size_t));
        pool_ = rte_pktmbuf_pool_create(("bench_rx" + std::to_string(++instances_)).c_str(), kRxRing + 64, 0, 0,
                                        2048 + RTE_PKTMBUF_HEADROOM, 0);
        if (pool_ == nullptr) throw std::runtime_error("mbuf pool");
        for (unsigned i = 0; i < kRxRing; ++i) {
            rx_[i] = rte_pktmbuf_alloc(pool_);
            if (rx_[i] == nullptr) throw std::runtime_error("mbuf");
        }
    }
    ~Frames() {
        for (auto* m : rx_) rte_pktmbuf_free(m);
        rte_mempool_free(pool_);
    }
    size_t size() const { return flows_; }
    uint8_t* frame(uint32_t flow) { return templates_.data() + start(flow); }
    size_t start(uint32_t flow) const { return reinterpret_cast<const size_t*>(starts_.data())[flow]; }

    // The frames of `flows` received into the next n buffers of the ring.
    rte_mbuf** receive(const uint32_t* flows, uint16_t n) {
        if (next_ + n > kRxRing) next_ = 0;
        rte_mbuf** out = &rx_[next_];
        for (uint16_t i = 0; i < n; ++i) {
            rte_mbuf* m = out[i];
            const size_t len = start(flows[i] + 1) - start(flows[i]);
            rte_pktmbuf_reset(m);
            std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), frame(flows[i]), len);
            m->data_len = static_cast<uint16_t>(len);
            m->pkt_len = static_cast<uint32_t>(len);
        }
        next_ += n;
        // rdtsc does not wait for loads: without the fence the copies' reads of
        // the templates (a DRAM miss each at a million flows) would still be in
        // flight, and their latency counted as the worker's.  A NIC's DMA puts
        // the frame in the cache without the core reading anything.
        rte_mb();
        return out;
    }

private:
    static inline int instances_ = 0;
    size_t flows_ = 0;
    dp::HugeMapping templates_, starts_;  // the frames one after another, and where each starts
    rte_mempool* pool_;
    rte_mbuf* rx_[kRxRing];
    unsigned next_ = 0;
};

// A MUD policy of 201 entries for the device all frames come from, as big as
// the biggest shared profile: 200 that never match this traffic, each naming
// one remote port as profiles do, then one that allows it.
// wide: the 200 name port ranges, not one port each, and no protocol, so
// that the policy's index (dataplane/policy_tables.h) cannot set them aside
// and a new flow tries every one: the worst a policy can make a new flow cost.
std::vector<dp::DevicePolicyTable> big_policy(bool wide) {
    const gen::Mac dev = gen::flow_device();
    dp::DevicePolicyTable d{
        .mac = MacAddress(std::array<uint8_t, 6>{dev.b[0], dev.b[1], dev.b[2], dev.b[3], dev.b[4], dev.b[5]}),
        .rule = 65,
        .enforce = true};
    for (int i = 0; i < 200; ++i) {
        dp::PolicyRule r;
        r.dir = static_cast<uint8_t>(i & 1);
        r.proto = wide ? -1 : (i & 2) ? 17 : 6;
        r.any_remote = false;
        r.remotes = {*IpPrefix::parse("203.0." + std::to_string(i) + ".0/24")};
        r.remote_port = PortRange{static_cast<uint16_t>(8000 + i), static_cast<uint16_t>(8000 + i + (wide ? 1 : 0))};
        d.rules.push_back(r);
    }
    dp::PolicyRule allow;
    allow.any_remote = false;
    allow.remotes = {*IpPrefix::parse("198.18.0.0/16"), *IpPrefix::parse("2001:db8:ffff::/48")};
    d.rules.push_back(allow);
    return {d};
}

// 64 block rules that never match this traffic.
std::vector<dp::TableEntry> block_rules() {
    std::vector<dp::TableEntry> entries;
    for (uint16_t i = 1; i <= 64; ++i) {
        dp::TableEntry e;
        e.rule = i;
        e.kind = i % 2 ? dp::EntryKind::global_remote : dp::EntryKind::quarantine;
        e.prefix = *IpPrefix::parse("203.0." + std::to_string(i) + ".0/24");
        e.mac = MacAddress(std::array<uint8_t, 6>{0x02, 0, 0, 0, 0, static_cast<uint8_t>(i)});
        entries.push_back(e);
    }
    return entries;
}

struct Options {
    uint32_t flows = 1000;
    bool mud = false;     // the 201-entry policy in enforce mode, and the reflex in quarantine mode
    bool reflex = false;  // (for --instructions, where the two are separate flags)
    gen::FlowOrder order = gen::FlowOrder::random;
    int shape = kV4;
    uint32_t capacity = 0;  // 0: the flow count (at least 1024)
    uint64_t evict_min_idle_us = 1'000'000;
    bool wide_policy = false;  // the MUD policy's 200 entries name port ranges (big_policy)
    // Time: 0 follows the TSC (the agent's cadence at the measured rate); else
    // it advances as if packets came at this rate, whatever the real one
    // (callgrind runs ~50 times slower: its housekeeping would otherwise
    // sweep 50 times as much of the table per packet).
    double nominal_pps = 0;
    bool operator==(const Options& o) const {
        return flows == o.flows && mud == o.mud && reflex == o.reflex && order == o.order && shape == o.shape &&
               capacity == o.capacity && evict_min_idle_us == o.evict_min_idle_us && nominal_pps == o.nominal_pps &&
               wide_policy == o.wide_policy;
    }
};

// The full pipeline as the agent runs it: metering, block tables with rules in
// force (none matching this traffic), records to a ring and slow-path copies
// to a queue that the harness drains as the control lcore would (its time is
// not counted: the control lcore has its own core), housekeeping at the
// agent's cadence on the TSC clock (Worker::service, every millisecond: a
// slice of the table swept, update records every second).
struct Pipeline {
    explicit Pipeline(const Options& o) : opt(o), frames(o.flows, o.shape), tables(1) {
        dp::WorkerConfig cfg;
        if (o.reflex) cfg.reflex.mode = dp::ReflexMode::quarantine;
        cfg.flow_capacity = o.capacity != 0 ? o.capacity : std::max<uint32_t>(o.flows, 1024);
        cfg.update_interval_us = 1'000'000;
        cfg.evict_min_idle_us = o.evict_min_idle_us;
        tables.publish_blocks(block_rules());
        if (o.mud) tables.publish_policies(big_policy(o.wide_policy));
        const std::string tag = std::to_string(++instances);
        ring = std::make_unique<dp::RecordRing>("bench_ring" + tag, 1 << 16, 0);
        slow_pool = std::make_unique<dp::SlowPool>("bench_slow_pool" + tag, 4095, 0);
        slow = std::make_unique<dp::SlowQueue>("bench_slow" + tag, 1024, *slow_pool, 0);
        worker = std::make_unique<dp::Worker>(cfg, tables, ring.get(), slow.get());
        tsc_hz = rte_get_tsc_hz();
        tsc0 = rte_rdtsc();
        // The walk: one round of the order (a permutation), or a million Zipf draws.
        const uint64_t length = o.order == gen::FlowOrder::zipf ? std::max<uint64_t>(o.flows, 1'000'000) : o.flows;
        walk = gen::flow_sequence(o.order, o.flows, length);
        tables.rcu.online(0);
        // Warm-up: every flow in the table, then one walk.
        std::vector<uint32_t> all(frames.size());
        for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
        for (size_t i = 0; i < all.size(); i += dp::kBurstSize) run_burst(&all[i], all.size() - i);
        while (next != 0 || !warmed) {
            step();
            warmed = true;
        }
        // A second passes: every flow is due for an update record as the sweep
        // reaches it, as in an agent that has been running for a while (the
        // measured interval then emits them at their steady rate).
        skew = tsc_hz;
    }
    ~Pipeline() { tables.rcu.offline(0); }

    // The clock the worker is given, and the TSC its housekeeping is due by.
    uint64_t tsc() const {
        return skew + (opt.nominal_pps == 0
                           ? rte_rdtsc()
                           : tsc0 + static_cast<uint64_t>(static_cast<double>(packets) / opt.nominal_pps *
                                                          static_cast<double>(tsc_hz)));
    }
    uint64_t now_us() const { return start_us + (tsc() - tsc0) * 1'000'000 / tsc_hz; }

    // One poll that receives the frames of the next (at most) 32 of `flows`.
    uint16_t run_burst(const uint32_t* flows, size_t left) {
        const uint16_t n = static_cast<uint16_t>(std::min<size_t>(dp::kBurstSize, left));
        const uint64_t t = rte_rdtsc();
        rte_mbuf** pkts = frames.receive(flows, n);
        drain_tsc += rte_rdtsc() - t;  // the NIC's work, not the worker's
        rte_mbuf* out[dp::kBurstSize];
        worker->begin_poll();
        worker->process_burst(dp::kLan, pkts, n, now_us(), out);  // forwards the same mbufs
        packets += n;
        worker->service(now_us(), tsc(), next_housekeeping);
        if (ring->count() > ring->capacity() / 2) drain();
        return n;
    }
    // The next burst of the walk.
    uint16_t step() {
        const uint16_t n = run_burst(&walk[next], walk.size() - next);
        next += n;
        if (next >= walk.size()) next = 0;
        return n;
    }
    // What the control lcore does with the records and copies; timed apart
    // (drain_tsc: what is not the worker's, subtracted from the measured time).
    void drain() {
        const uint64_t t = rte_rdtsc();
        static proto::FlowRecord r[256];
        while (ring->dequeue(r, 256) != 0) {}
        rte_mbuf* copies[32];
        for (unsigned n; (n = slow->pop(copies, 32)) != 0;) rte_pktmbuf_free_bulk(copies, n);
        drain_tsc += rte_rdtsc() - t;
    }

    static inline int instances = 0;
    Options opt;
    Frames frames;
    dp::SharedTables tables;
    std::unique_ptr<dp::RecordRing> ring;
    std::unique_ptr<dp::SlowPool> slow_pool;
    std::unique_ptr<dp::SlowQueue> slow;
    std::unique_ptr<dp::Worker> worker;
    std::vector<uint32_t> walk;  // the flow of each packet
    uint64_t start_us = 1'767'225'600'000'000ull;
    uint64_t tsc_hz = 0, tsc0 = 0, next_housekeeping = 0, drain_tsc = 0, packets = 0, skew = 0;
    size_t next = 0;
    bool warmed = false;
    uint32_t serial = 0x0b000000;  // NewFlows' source addresses, 11.0.0.0 on: never the same twice
};

// One pipeline at a time (a million flows hold a few hundred MB); released
// before the EAL is cleaned up.
std::unique_ptr<Pipeline> g_pipeline;

Pipeline& pipeline(const Options& o) {
    if (!g_pipeline || !(g_pipeline->opt == o)) {
        g_pipeline.reset();
        g_pipeline = std::make_unique<Pipeline>(o);
    }
    return *g_pipeline;
}

// The worker's counters around a measured loop.
struct Snapshot {
    explicit Snapshot(const dp::WorkerStats& s)
        : pkts(s.timed_pkts.get()),
          parse(s.cycles_parse.get()),
          lookup(s.cycles_lookup.get()),
          meter(s.cycles_meter.get()),
          after(s.cycles_after.get()),
          created(s.flows_created.get()),
          untracked(s.flows_untracked.get()) {}
    uint64_t pkts, parse, lookup, meter, after, created, untracked;
};

// Runs the loop body `step` until the benchmark is done and reports ns, TSC
// cycles and each stage's cycles per packet (the control lcore's draining not
// counted), and flows created per second.
template <class Step>
void measure(benchmark::State& state, Pipeline& p, Step step) {
    const Snapshot before(p.worker->stats());
    const uint64_t drain0 = p.drain_tsc;
    uint64_t packets = 0;
    const uint64_t tsc0 = rte_rdtsc();
    for (auto _ : state) packets += step();
    const double tsc = static_cast<double>(rte_rdtsc() - tsc0 - (p.drain_tsc - drain0));
    const Snapshot after(p.worker->stats());
    const double n = static_cast<double>(packets);
    state.SetItemsProcessed(static_cast<int64_t>(packets));
    state.counters["tsc_cycles_per_packet"] = tsc / n;
    state.counters["ns_per_packet"] = tsc / n * 1e9 / static_cast<double>(p.tsc_hz);
    const double timed = static_cast<double>(std::max<uint64_t>(1, after.pkts - before.pkts));
    state.counters["stage_parse"] = static_cast<double>(after.parse - before.parse) / timed;
    state.counters["stage_lookup"] = static_cast<double>(after.lookup - before.lookup) / timed;
    state.counters["stage_meter"] = static_cast<double>(after.meter - before.meter) / timed;
    state.counters["stage_after"] = static_cast<double>(after.after - before.after) / timed;
    state.counters["flows_created_per_s"] =
        static_cast<double>(after.created - before.created) / (tsc / static_cast<double>(p.tsc_hz));
    state.counters["untracked_share"] = static_cast<double>(after.untracked - before.untracked) / n;
    state.counters["flows_in_table"] = p.worker->flows().size();
}

gen::FlowOrder order_arg(int64_t v) { return static_cast<gen::FlowOrder>(v); }

void BM_Steady(benchmark::State& state) {
    Options o;
    o.flows = static_cast<uint32_t>(state.range(0));
    o.mud = o.reflex = state.range(1) != 0;
    o.order = order_arg(state.range(2));
    Pipeline& p = pipeline(o);
    measure(state, p, [&] { return p.step(); });
}

void BM_Shape(benchmark::State& state) {
    Options o;
    o.flows = static_cast<uint32_t>(state.range(0));
    o.mud = o.reflex = true;
    o.shape = static_cast<int>(state.range(1));
    Pipeline& p = pipeline(o);
    measure(state, p, [&] { return p.step(); });
}

// New flows on every packet: the walk's frames are rewritten so that each
// packet's source port and address are ones never used before (a scan).
struct NewFlows {
    explicit NewFlows(Pipeline& p) : p(p) {}
    uint16_t step() {
        uint32_t burst[dp::kBurstSize];
        for (uint16_t i = 0; i < dp::kBurstSize; ++i) {
            burst[i] = p.walk[(p.next + i) % p.walk.size()];
            ++p.serial;
            // A new source address (the worker does not check IP checksums).
            std::memcpy(p.frames.frame(burst[i]) + 14 + 12, &p.serial, 4);
        }
        p.next = (p.next + dp::kBurstSize) % p.walk.size();
        return p.run_burst(burst, dp::kBurstSize);
    }
    Pipeline& p;
};

// A new flow on every packet, through a pipeline made with `o`.
void measure_new_flows(benchmark::State& state, const Options& o) {
    Pipeline& p = pipeline(o);
    NewFlows gen(p);
    measure(state, p, [&] { return gen.step(); });
}

// FULL 0: 1,024 flows in a table of 2M, and a fixed number of iterations
// that leaves it less than full; FULL 1: a full table of FLOWS, where each
// new flow evicts the least recently seen of a sample.  WIDE 1: the policy's
// entries name port ranges and no protocol (big_policy), so a new flow tries all 201.
void BM_NewFlows(benchmark::State& state) {
    Options o;
    const bool full = state.range(1) != 0;
    o.wide_policy = state.range(2) != 0;
    o.flows = full ? static_cast<uint32_t>(state.range(0)) : 1024;
    o.capacity = full ? o.flows : 2 * static_cast<uint32_t>(state.range(0));
    o.mud = o.reflex = true;
    o.evict_min_idle_us = 0;
    measure_new_flows(state, o);
}

void BM_YoungFullTable(benchmark::State& state) {
    Options o;
    o.flows = static_cast<uint32_t>(state.range(0));
    o.mud = o.reflex = true;
    o.capacity = std::max<uint32_t>(o.flows, 1024);
    o.evict_min_idle_us = 3'600'000'000;  // nothing is old enough to evict
    measure_new_flows(state, o);
}

void BM_Publish(benchmark::State& state) {
    Options o;
    o.flows = static_cast<uint32_t>(state.range(0));
    o.mud = o.reflex = true;
    Pipeline& p = pipeline(o);
    const uint64_t every = p.tsc_hz / 100;
    uint64_t next = rte_rdtsc() + every;
    measure(state, p, [&] {
        if (rte_rdtsc() >= next) {
            // As the control lcore would: the worker is between polls (RCU quiescent).
            p.tables.rcu.offline(0);
            p.tables.publish_blocks(block_rules());
            p.tables.rcu.online(0);
            next = rte_rdtsc() + every;
        }
        return p.step();
    });
}

void steady_args(benchmark::internal::Benchmark* b) {
    for (int64_t flows : {1000, 100000, 1000000})
        for (int64_t mud : {0, 1})
            for (int64_t order : {0, 1, 2}) b->Args({flows, mud, order});
}

BENCHMARK(BM_Steady)->Apply(steady_args)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Shape)->Args({1000000, kV6})->Args({1000000, kVlan})->Args({1000000, kMix})->Unit(benchmark::kNanosecond);
// 40,000 bursts: 1.28M new flows, into room for 2M.
BENCHMARK(BM_NewFlows)->Args({1000000, 0, 0})->Iterations(40000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_NewFlows)->Args({1000000, 0, 1})->Iterations(40000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_NewFlows)->Args({1000000, 1, 0})->Unit(benchmark::kNanosecond);
BENCHMARK(BM_YoungFullTable)->Args({1000000})->Unit(benchmark::kNanosecond);
BENCHMARK(BM_Publish)->Args({1000000})->Unit(benchmark::kNanosecond);

int count_instructions(const Options& o, uint64_t packets) {
    Pipeline& p = pipeline(o);
    uint64_t done = 0;
    CALLGRIND_START_INSTRUMENTATION;
    while (done < packets) done += p.step();
    CALLGRIND_STOP_INSTRUMENTATION;
    std::printf("packets %llu\n", static_cast<unsigned long long>(done));
    return 0;
}

int instructions_main(int argc, char** argv) {
    Options o;
    o.nominal_pps = 10e6;
    o.flows = static_cast<uint32_t>(std::stoul(argv[2]));
    const uint64_t packets = std::stoull(argv[3]);
    for (int i = 4; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--mud") {
            o.mud = true;
        } else if (a == "--reflex") {
            o.reflex = true;
        } else if (a == "--pps" && i + 1 < argc) {
            o.nominal_pps = std::stod(argv[++i]);
        } else if (a == "--order" && i + 1 < argc) {
            o.order = gen::parse_flow_order(argv[++i]);
        } else if (a == "--shape" && i + 1 < argc) {
            const std::string s = argv[++i];
            o.shape = -1;
            for (int k = 0; k < 4; ++k)
                if (s == kShapeNames[k]) o.shape = k;
            if (o.shape < 0) throw std::invalid_argument("--shape must be v4, v6, vlan or mix");
        } else {
            throw std::invalid_argument("unknown argument " + a);
        }
    }
    return count_instructions(o, packets);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args = {"spin-worker-bench",
                                     "--no-huge",
                                     "--no-pci",
                                     "--no-shconf",
                                     "-m",
                                     "2048",
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
    try {
        if (argc >= 4 && std::string(argv[1]) == "--instructions") {
            rc = instructions_main(argc, argv);
        } else {
            benchmark::Initialize(&argc, argv);
            benchmark::RunSpecifiedBenchmarks();
            benchmark::Shutdown();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spin-worker-bench: %s\n", e.what());
        rc = 2;
    }
    g_pipeline.reset();
    rte_eal_cleanup();
    return rc;
}
