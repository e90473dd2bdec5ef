// spin-synthetic-agent: publishes digest batches as an agent would
// (docs/protocol.md, "Digests") with flows it makes up, at a chosen rate or
// as fast as it can, and logs what it sent.  For the controller's benchmark
// and its crash tests; it never touches packets.
//
// Every record is a whole flow (an `end` record) with 2 packets / 200 bytes
// out and 3 packets / 3000 bytes in, so totals are easy to predict; with
// --port-per-batch its remote port is the batch's sequence number (mod
// 65536), so a store can be asked which batches it kept.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <zmq.hpp>

#include "common/wall_clock.h"
#include "proto/digest_batch.h"

namespace po = boost::program_options;
using namespace spin;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

uint64_t now_us() { return spin::epoch_us_now(); }

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("Usage: spin-synthetic-agent --publish ENDPOINT [options]\n\nOptions");
    opts.add_options()("help,h", "print this help")("publish", po::value<std::string>()->required(),
                                                    "endpoint to bind, e.g. tcp://127.0.0.1:5556")(
        "agent", po::value<std::string>()->default_value("synth"), "agent id")(
        "devices", po::value<uint32_t>()->default_value(50), "distinct device MACs (02:00:00:00:xx:xx)")(
        "remotes", po::value<uint32_t>()->default_value(50), "distinct remote addresses per device")(
        "records", po::value<uint32_t>()->default_value(512), "records per batch")(
        "rate", po::value<double>()->default_value(0), "batches per second (0: as fast as possible)")(
        "batches", po::value<uint64_t>()->default_value(0), "stop after this many (0: at SIGTERM)")(
        "wait-subscribers", po::value<uint32_t>()->default_value(1), "wait for this many subscriptions first")(
        "port-per-batch", "remote port = batch sequence number mod 65536 (for crash tests)")(
        "log", po::value<std::string>(), "write 'seq send_time_us records' per batch to this file");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        if (vm.count("help")) {
            std::cout << opts << "\n";
            return 0;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "spin-synthetic-agent: " << e.what() << "\n";
        return 2;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    zmq::context_t ctx;
    zmq::socket_t pub(ctx, zmq::socket_type::xpub);
    pub.set(zmq::sockopt::sndhwm, 0);  // never drop: the benchmark measures the reader
    pub.set(zmq::sockopt::linger, 2000);
    pub.bind(vm["publish"].as<std::string>());
    for (uint32_t subs = 0; subs < vm["wait-subscribers"].as<uint32_t>() && !g_stop;) {
        zmq::message_t m;
        pub.set(zmq::sockopt::rcvtimeo, 100);
        if (pub.recv(m) && m.size() > 0 && static_cast<const uint8_t*>(m.data())[0] == 1) ++subs;
    }

    std::FILE* log = vm.count("log") ? std::fopen(vm["log"].as<std::string>().c_str(), "w") : nullptr;
    const uint32_t devices = vm["devices"].as<uint32_t>(), remotes = vm["remotes"].as<uint32_t>();
    const uint32_t per_batch = vm["records"].as<uint32_t>();
    const double rate = vm["rate"].as<double>();
    const uint64_t limit = vm["batches"].as<uint64_t>();
    const bool port_per_batch = vm.count("port-per-batch") != 0;

    proto::DigestBatchHeader header;
    header.agent = vm["agent"].as<std::string>();
    header.boot_us = now_us();
    std::vector<proto::FlowRecord> records(per_batch);
    std::vector<uint8_t> bytes;
    uint64_t flow = 0, sent_records = 0;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t seq = 1; !g_stop && (limit == 0 || seq <= limit); ++seq) {
        if (rate > 0)
            std::this_thread::sleep_until(start + std::chrono::duration<double>(static_cast<double>(seq - 1) / rate));
        const uint64_t t = now_us();
        for (auto& r : records) {
            r = proto::FlowRecord{};
            const uint32_t device = static_cast<uint32_t>(flow % devices);
            const uint32_t remote = static_cast<uint32_t>((flow / devices) % remotes);
            r.event = static_cast<uint8_t>(proto::FlowEvent::end);
            r.end_reason = static_cast<uint8_t>(proto::EndReason::fin);
            r.proto = 6;
            r.ip_version = 4;
            r.initiator = static_cast<uint8_t>(proto::Initiator::lan);
            const uint8_t mac[6] = {0x02, 0, 0, 0, static_cast<uint8_t>(device >> 8), static_cast<uint8_t>(device)};
            std::memcpy(r.mac, mac, 6);
            const uint8_t lan[4] = {10, static_cast<uint8_t>(device >> 8), static_cast<uint8_t>(device), 2};
            const uint8_t rem[4] = {198, 51, static_cast<uint8_t>(remote >> 8), static_cast<uint8_t>(remote)};
            std::memcpy(r.lan_ip, lan, 4);
            std::memcpy(r.remote_ip, rem, 4);
            r.lan_port = static_cast<uint16_t>(1024 + (flow / (devices * remotes)) % 60000);
            r.remote_port = port_per_batch ? static_cast<uint16_t>(seq % 65536) : 443;
            r.first_us = t - 1000;
            r.last_us = t;
            r.pkts_out = 2, r.bytes_out = 200, r.pkts_in = 3, r.bytes_in = 3000;
            r.flow_id = static_cast<uint32_t>(flow);
            ++flow;
        }
        header.seq = seq;
        header.sent_us = t;
        proto::encode_digest_batch(header, records, {}, bytes);
        pub.send(zmq::buffer(std::string_view(proto::kDigestTopic)), zmq::send_flags::sndmore);
        pub.send(zmq::buffer(bytes), zmq::send_flags::none);
        sent_records += per_batch;
        if (log != nullptr) {
            std::fprintf(log, "%llu %llu %u\n", static_cast<unsigned long long>(seq),
                         static_cast<unsigned long long>(t), per_batch);
            std::fflush(log);
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (log != nullptr) std::fclose(log);
    fmt::print("{{\"batches\": {}, \"records\": {}, \"seconds\": {:.3f}}}\n", sent_records / per_batch, sent_records,
               seconds);
    return 0;
}
