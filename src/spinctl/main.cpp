// spinctl: command-line client.  This version reads an agent's digest stream;
// later issues add the controller API commands.
#include <chrono>
#include <map>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <zmq.hpp>

#include "proto/digest_batch.h"
#include "proto/flow_record_json.h"

namespace po = boost::program_options;
namespace proto = spin::proto;

namespace {

const char* kUsage =
    "Usage: spinctl COMMAND [options]\n\n"
    "Commands:\n"
    "  digests   print an agent's flow digests as JSON lines (one record per line)\n\n"
    "Run 'spinctl COMMAND --help' for the options of a command.\n";

int digests(int argc, char** argv) {
    po::options_description opts("Usage: spinctl digests --connect ENDPOINT [options]\n\nOptions");
    opts.add_options()
        ("help,h", "print this help")
        ("connect", po::value<std::string>()->value_name("ENDPOINT"), "agent's digest endpoint, e.g. tcp://127.0.0.1:5556 (required)")
        ("count", po::value<uint64_t>()->value_name("N"), "exit after N records")
        ("timeout", po::value<double>()->value_name("SECONDS"), "exit when no batch arrived for this long")
        ("batches", "also print one line per batch header (agent, seq, sent, records) to stderr")
        ("hexdump", "also print each raw batch as hex to stderr (for checking a decoder)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "spinctl digests: " << e.what() << "\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts;
        return 0;
    }
    if (!vm.count("connect")) {
        std::cerr << "spinctl digests: --connect ENDPOINT is required\n";
        return 2;
    }
    const uint64_t limit = vm.count("count") ? vm["count"].as<uint64_t>() : UINT64_MAX;
    const int timeout_ms = vm.count("timeout") ? static_cast<int>(vm["timeout"].as<double>() * 1000) : -1;

    zmq::context_t ctx;
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    try {
        sub.connect(vm["connect"].as<std::string>());
    } catch (const zmq::error_t& e) {
        std::cerr << "spinctl digests: cannot connect to " << vm["connect"].as<std::string>() << ": " << e.what() << "\n";
        return 2;
    }
    sub.set(zmq::sockopt::subscribe, proto::kDigestTopic);
    sub.set(zmq::sockopt::rcvtimeo, timeout_ms);

    uint64_t printed = 0;
    std::map<std::string, uint64_t> last_seq;  // per agent and boot
    spin::proto::DigestBatch batch;
    while (printed < limit) {
        zmq::message_t topic, body;
        if (!sub.recv(topic)) break;  // timeout
        if (!topic.more() || !sub.recv(body)) {
            std::cerr << "spinctl digests: message without a body, skipped\n";
            continue;
        }
        if (vm.count("hexdump")) {
            const auto* p = static_cast<const uint8_t*>(body.data());
            for (size_t i = 0; i < body.size(); i += 16) {
                std::string line = fmt::format("{:04x}:", i);
                for (size_t j = i; j < i + 16 && j < body.size(); ++j) line += fmt::format(" {:02x}", p[j]);
                std::cerr << line << '\n';
            }
        }
        const auto err = spin::proto::decode_digest_batch(
            {static_cast<const uint8_t*>(body.data()), body.size()}, batch);
        if (!err.empty()) {
            std::cerr << "spinctl digests: bad batch skipped: " << err << "\n";
            continue;
        }
        const auto key = fmt::format("{}/{}", batch.header.agent, batch.header.boot_us);
        auto& seq = last_seq[key];
        if (seq != 0 && batch.header.seq != seq + 1)
            std::cerr << fmt::format("spinctl digests: gap: agent {} batches {}..{} missing\n",
                                     batch.header.agent, seq + 1, batch.header.seq - 1);
        seq = batch.header.seq;
        if (vm.count("batches"))
            std::cerr << fmt::format("batch agent={} seq={} sent={:.6f} records={}\n", batch.header.agent,
                                     batch.header.seq, batch.header.sent_us / 1e6, batch.records.size());
        for (const auto& r : batch.records) {
            if (printed == limit) break;
            std::cout << spin::proto::flow_record_to_json(r, batch.header.agent, batch.rule_name(r.rule)) << '\n';
            ++printed;
        }
        std::cout.flush();
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    if (cmd == "digests") return digests(argc - 1, argv + 1);
    std::cerr << "spinctl: unknown command '" << cmd << "'\n" << kUsage;
    return 2;
}
