// spin-control-bench: the agent's control loop under a DNS-answer flood
// (docs/benchmarks.md, "DNS-answer flood"), in process.
//
//   spin-control-bench --devices D --answers N --records R [--rules] [--commit-every-round]
//
// N DNS queries from D devices, each answered from the WAN side with R A
// records of new addresses, go through what the control thread runs per
// round: the slow path's event builder (parse, match the answer to its
// query, bind), the rule registry's learning, expiry, and the block-table
// commit when it is due, with a worker thread online on the tables' RCU (so
// each commit waits for a grace period, as in the agent).  A round is 256
// frames, the slow-path reader's budget.  With --rules every device has a
// device_name rule covering the names (each answer teaches addresses);
// --commit-every-round publishes after every round that changed tables, as
// the agent did before commits were paced.  Prints one JSON object: frames
// and answers per second, commits, the time they took, and the longest
// round: what an order waiting behind the flood would wait.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "agent/rule_registry.h"
#include "agent/slowpath/event_builder.h"
#include "dns_flood.h"

namespace po = boost::program_options;
using namespace spin;

namespace {

struct Frame {
    gen::Bytes bytes;
    slowpath::FrameInfo info;
};

std::vector<Frame> flood(uint32_t devices, uint64_t answers, uint32_t records) {
    std::vector<Frame> out;
    gen::dns_flood(devices, answers, records, 1'767'225'600'000'000ull, [&](const gen::FloodFrame& f) {
        out.push_back({f.frame, {f.time_us, dp::SlowKind::dns, static_cast<uint8_t>(f.from_network), !f.from_network}});
    });
    return out;
}

// A worker that holds nothing between bursts: online on the RCU, quiescent
// every few microseconds, so commits wait for a real grace period.
class Reader {
public:
    explicit Reader(dp::Rcu& rcu) : rcu_(rcu) {
        rcu_.register_reader(0);
        thread_ = std::thread([this] {
            rcu_.online(0);
            while (!stop_.load(std::memory_order_relaxed)) {
                rcu_.quiescent(0);
                for (int i = 0; i < 200; ++i) std::atomic_signal_fence(std::memory_order_seq_cst);
            }
            rcu_.offline(0);
        });
    }
    ~Reader() {
        stop_.store(true);
        thread_.join();
    }

private:
    dp::Rcu& rcu_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("Usage: spin-control-bench [options]\n\nOptions");
    opts.add_options()("help,h", "this help")("devices", po::value<uint32_t>()->default_value(16), "devices asking")(
        "answers", po::value<uint64_t>()->default_value(20000), "queries, each answered")(
        "records", po::value<uint32_t>()->default_value(90), "A records per answer")(
        "rules", "a device_name rule per device covering the names")(
        "commit-every-round", "publish after every round that changed tables (no pacing)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spin-control-bench: %s\n", e.what());
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts;
        return 0;
    }
    const auto devices = vm["devices"].as<uint32_t>(), records = vm["records"].as<uint32_t>();
    if (devices == 0 || devices > 200 || records == 0 || records > 90) {
        std::fprintf(stderr, "spin-control-bench: --devices 1..200, --records 1..90\n");
        return 2;
    }
    const bool every_round = vm.count("commit-every-round") != 0;
    const auto frames = flood(devices, vm["answers"].as<uint64_t>(), records);

    dp::SharedTables tables(1);
    agent::RuleRegistry rules(tables);
    if (vm.count("rules"))
        for (uint32_t d = 0; d < devices; ++d) {
            proto::Rule r;
            r.kind = proto::RuleKind::device_name;
            r.mac = MacAddress(gen::dns_flood_device(d).b);
            r.domain = *DnsName::parse("flood.test");
            rules.add(r, "config");
        }
    rules.commit();
    Reader reader(tables.rcu);
    slowpath::EventBuilder builder;
    uint64_t packet_clock = 0, answers = 0;
    builder.on_dns([&](const std::array<uint8_t, 6>& mac, const std::vector<slowpath::DnsBinding>& b, uint64_t t) {
        packet_clock = std::max(packet_clock, t);
        rules.learn(mac, b, t);
        ++answers;
    });
    std::vector<proto::Event> events;
    const auto before = rules.commit_stats();
    double longest_round = 0;
    const auto start = std::chrono::steady_clock::now();
    constexpr size_t kRound = 256;
    for (size_t i = 0; i < frames.size(); i += kRound) {
        const auto round_start = std::chrono::steady_clock::now();
        for (size_t k = i; k < std::min(frames.size(), i + kRound); ++k) {
            events.clear();
            builder.build(frames[k].bytes.data(), frames[k].bytes.size(), frames[k].info, events);
        }
        rules.expire(packet_clock);
        if (every_round ? rules.dirty() : rules.commit_due(std::chrono::steady_clock::now())) rules.commit();
        longest_round = std::max(longest_round,
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - round_start).count());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto c = rules.commit_stats();
    size_t learnt = 0;
    for (const auto& r : rules.snapshot()) learnt += r.resolved;
    fmt::print(
        "{{\"frames\": {}, \"answers\": {}, \"seconds\": {:.4f}, \"answers_per_s\": {:.0f}, \"commits\": {}, "
        "\"commit_seconds\": {:.4f}, \"commit_share\": {:.4f}, \"commit_max_us\": {}, \"longest_round_us\": {:.0f}, "
        "\"learnt\": {}, \"learnt_dropped\": {}, \"paced\": {}}}\n",
        frames.size(), answers, seconds, static_cast<double>(answers) / seconds, c.commits - before.commits,
        static_cast<double>(c.total_us - before.total_us) / 1e6,
        static_cast<double>(c.total_us - before.total_us) / 1e6 / seconds, c.max_us, longest_round * 1e6, learnt,
        rules.learnt_dropped(), every_round ? "false" : "true");
    return 0;
}
