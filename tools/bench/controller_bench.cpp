// spin-controller-bench: the controller's side of docs/benchmarks.md.
//   ingest  --records N           digest batches decoded and recorded on one
//                                 core (what the ingest thread does), records/s
//   history --db FILE --days D    a store with D days of traffic for N devices,
//                                 written through StoreWriter as ingest would,
//                                 for the API latency measurement
// Prints one JSON object.
#include <chrono>
#include <iostream>
#include <random>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "nmf/ingest/recorder.h"
#include "nmf/store/store_writer.h"
#include "proto/digest_batch.h"

namespace po = boost::program_options;
using namespace spin;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Encoded batches of `devices` MACs talking to `remotes` remote addresses
// each.  `lifecycle` 0: every record a whole flow (an `end`, as the
// synthetic agent sends); otherwise each flow is reported as an agent does
// a long one, start, two updates and end, with `lifecycle` flows open at
// once (so the controller tracks that many).
std::vector<std::vector<uint8_t>> make_batches(uint32_t batches, uint32_t per_batch, uint32_t devices, uint32_t remotes,
                                               uint32_t lifecycle) {
    std::vector<std::vector<uint8_t>> out(batches);
    std::vector<proto::FlowRecord> records(per_batch);
    proto::DigestBatchHeader h;
    h.agent = "bench";
    h.boot_us = 1'767'225'600'000'000;
    uint64_t n = 0;
    for (uint32_t b = 0; b < batches; ++b) {
        const uint64_t t = h.boot_us + uint64_t{b} * 1000;
        for (auto& r : records) {
            // Record n: flow n / 4 at stage n % 4, with the stages of a flow
            // `lifecycle` records apart.
            uint64_t flow = n, stage = 3;
            if (lifecycle != 0) {
                const uint64_t round = n / (4ull * lifecycle), within = n % (4ull * lifecycle);
                stage = within / lifecycle;
                flow = round * lifecycle + within % lifecycle;
            }
            ++n;
            r = proto::FlowRecord{};
            const auto device = static_cast<uint32_t>(flow % devices),
                       remote = static_cast<uint32_t>((flow / devices) % remotes);
            r.event = static_cast<uint8_t>(stage == 0   ? proto::FlowEvent::start
                                           : stage == 3 ? proto::FlowEvent::end
                                                        : proto::FlowEvent::update);
            r.proto = 6;
            r.ip_version = 4;
            const uint8_t mac[6] = {0x02, 0, 0, 0, static_cast<uint8_t>(device >> 8), static_cast<uint8_t>(device)};
            std::memcpy(r.mac, mac, 6);
            const uint8_t lan[4] = {10, 0, static_cast<uint8_t>(device >> 8), static_cast<uint8_t>(device)};
            const uint8_t rem[4] = {198, 51, static_cast<uint8_t>(remote >> 8), static_cast<uint8_t>(remote)};
            std::memcpy(r.lan_ip, lan, 4);
            std::memcpy(r.remote_ip, rem, 4);
            r.lan_port = static_cast<uint16_t>(1024 + (flow / (uint64_t{devices} * remotes)) % 60000);
            r.remote_port = 443;
            r.first_us = t - 500;
            r.last_us = t;
            const uint64_t k = stage + 1;  // totals grow with each report
            r.pkts_out = 2 * k, r.bytes_out = 200 * k, r.pkts_in = 3 * k, r.bytes_in = 3000 * k;
            r.flow_id = static_cast<uint32_t>(flow);
        }
        h.seq = b + 1;
        proto::encode_digest_batch(h, records, {}, out[b]);
    }
    return out;
}

int ingest(const po::variables_map& vm) {
    const auto total = vm["records"].as<uint64_t>();
    const uint32_t per_batch = 512;
    const auto batches = static_cast<uint32_t>((total + per_batch - 1) / per_batch);
    const auto encoded = make_batches(batches, per_batch, vm["devices"].as<uint32_t>(), vm["remotes"].as<uint32_t>(),
                                      vm["open-flows"].as<uint32_t>());
    nmf::Recorder recorder(nullptr);
    proto::DigestBatch batch;
    size_t rows = 0;
    uint64_t pkts_out = 0;  // checks the accounting: 2 per flow, whatever the reports
    const auto take = [&] {
        const auto b = recorder.take_batch();
        rows += b.traffic.size();
        for (const auto& t : b.traffic) pkts_out += t.counters.pkts_out;
    };
    const auto start = std::chrono::steady_clock::now();
    for (uint32_t b = 0; b < batches; ++b) {
        if (!proto::decode_digest_batch(encoded[b], batch).empty()) return 1;
        recorder.on_digest(batch);
        // The ingest thread hands the store a batch twice a second; at a
        // million records a second that is every ~1000 digest batches.
        if (b % 1000 == 999) take();
    }
    take();
    const double s = seconds_since(start);
    const double records = static_cast<double>(uint64_t{batches} * per_batch);
    fmt::print(
        "{{\"records\": {}, \"seconds\": {:.4f}, \"records_per_s\": {:.0f}, \"ns_per_record\": {:.1f}, "
        "\"traffic_rows\": {}, \"counted\": {}, \"open_flows\": {}, \"pkts_out\": {}}}\n",
        static_cast<uint64_t>(records), s, records / s, s * 1e9 / records, rows, recorder.accounting().counted,
        vm["open-flows"].as<uint32_t>(), pkts_out);
    return 0;
}

int history(const po::variables_map& vm) {
    const auto days = vm["days"].as<uint32_t>(), devices = vm["devices"].as<uint32_t>(),
               remotes = vm["remotes"].as<uint32_t>();
    nmf::StoreWriter writer(vm["db"].as<std::string>(), nmf::Retention{});
    std::mt19937 rng(7);
    const int64_t end = 1'767'225'600, start = end - int64_t{days} * 86400;
    size_t rows = 0;
    const auto t0 = std::chrono::steady_clock::now();
    // Each device talks to each of its remotes in a few minutes of every hour.
    for (int64_t hour = start; hour < end; hour += 3600) {
        nmf::StoreBatch batch;
        for (uint32_t d = 0; d < devices; ++d)
            for (uint32_t r = 0; r < remotes; ++r) {
                nmf::TrafficRow row;
                row.mac = fmt::format("02:00:00:00:{:02x}:{:02x}", d >> 8, d & 0xff);
                row.remote_ip = fmt::format("198.51.{}.{}", r >> 8, r & 0xff);
                row.proto = r % 5 == 0 ? 17 : 6;
                row.remote_port = r % 5 == 0 ? 53 : 443;
                row.minute = hour + 60 * static_cast<int64_t>(rng() % 60);
                row.counters = nmf::TrafficCounters{20, 2000, 30, 30000, 2, 0};
                batch.traffic.push_back(std::move(row));
            }
        rows += batch.traffic.size();
        writer.write(batch);
    }
    writer.apply_retention(static_cast<double>(end));
    fmt::print(
        "{{\"traffic_rows_written\": {}, \"seconds\": {:.1f}, \"days\": {}, \"devices\": {}, \"remotes\": {}}}\n", rows,
        seconds_since(t0), days, devices, remotes);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("Usage: spin-controller-bench ingest|history [options]\n\nOptions");
    opts.add_options()("help,h", "print this help")("command", po::value<std::string>(), "ingest or history")(
        "records", po::value<uint64_t>()->default_value(4'000'000), "ingest: records to record")(
        "open-flows", po::value<uint32_t>()->default_value(0),
        "ingest: 0 for whole flows only; N for flows reported start, update, update, end with N open at once")(
        "devices", po::value<uint32_t>()->default_value(50), "devices")(
        "remotes", po::value<uint32_t>()->default_value(40), "remote addresses per device")(
        "days", po::value<uint32_t>()->default_value(30), "history: days of traffic")("db", po::value<std::string>(),
                                                                                      "history: the store to write");
    po::positional_options_description pos;
    pos.add("command", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    const std::string cmd = vm.count("command") ? vm["command"].as<std::string>() : "";
    if (vm.count("help") || cmd.empty()) {
        std::cout << opts << "\n";
        return cmd.empty() && !vm.count("help") ? 2 : 0;
    }
    if (cmd == "ingest") return ingest(vm);
    if (cmd == "history" && vm.count("db")) return history(vm);
    std::cerr << "spin-controller-bench: unknown command or missing --db\n";
    return 2;
}
