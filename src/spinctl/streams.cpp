// spinctl digests / events: subscribe to an agent's stream and print JSON lines.
#include <chrono>
#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "proto/digest_batch.h"
#include "proto/flow_record_json.h"
#include "proto/topics.h"
#include "spinctl/command_line.h"
#include "spinctl/commands.h"
#include "spinctl/curve_options.h"
#include "transport/socket_limits.h"

namespace po = boost::program_options;

namespace spin::spinctl {

namespace {

struct Subscription {
    zmq::context_t ctx;
    zmq::socket_t sub{ctx, zmq::socket_type::sub};
};

// Options both commands share; returns an exit code, or -1 to go on.
int parse(const char* name, const char* what, int argc, char** argv, po::options_description& extra,
          po::variables_map& vm) {
    po::options_description opts(
        fmt::format("Usage: spinctl {} --connect ENDPOINT [options]\n\n{}\n\nOptions", name, what));
    opts.add_options()("help,h", "print this help")(
        "connect", po::value<std::string>()->value_name("ENDPOINT"),
        "the agent's publish endpoint, e.g. tcp://127.0.0.1:5556 (required)")(
        "count", po::value<uint64_t>()->value_name("N"), "exit after N lines")(
        "timeout", po::value<double>()->value_name("SECONDS"), "exit when nothing arrived for this long");
    add_curve_options(opts);
    opts.add(extra);
    return parse_command_line(name, argc, argv, opts, vm, "--connect ENDPOINT");
}

int subscribe(const char* name, const po::variables_map& vm, const char* topic, Subscription& s) {
    if (auto err = apply_curve_options(vm, s.sub); !err.empty()) {
        std::cerr << "spinctl " << name << ": " << err << "\n";
        return 2;
    }
    try {
        s.sub.set(zmq::sockopt::subscribe, topic);
        s.sub.set(zmq::sockopt::maxmsgsize, transport::kMaxStreamMessageBytes);
        s.sub.set(zmq::sockopt::rcvtimeo,
                  vm.count("timeout") ? static_cast<int>(vm["timeout"].as<double>() * 1000) : -1);
        s.sub.connect(vm["connect"].as<std::string>());
    } catch (const zmq::error_t& e) {
        std::cerr << "spinctl " << name << ": cannot connect to " << vm["connect"].as<std::string>() << ": " << e.what()
                  << "\n";
        return 2;
    }
    return -1;
}

// Receives one two-part message; false on timeout.
bool receive(const char* name, zmq::socket_t& sub, zmq::message_t& body) {
    for (;;) {
        zmq::message_t topic;
        if (!sub.recv(topic)) return false;
        if (topic.more() && sub.recv(body)) return true;
        std::cerr << "spinctl " << name << ": message without a body, skipped\n";
    }
}

}  // namespace

int digests(int argc, char** argv) {
    po::options_description extra;
    extra.add_options()("batches", "also print one line per batch header (agent, seq, sent, records) to stderr")(
        "hexdump", "also print each raw batch as hex to stderr (for checking a decoder)");
    po::variables_map vm;
    if (int rc = parse("digests", "Prints an agent's flow digests as JSON lines, one record per line.", argc, argv,
                       extra, vm);
        rc >= 0)
        return rc;
    Subscription s;
    if (int rc = subscribe("digests", vm, proto::kDigestTopic, s); rc >= 0) return rc;
    const uint64_t limit = vm.count("count") ? vm["count"].as<uint64_t>() : UINT64_MAX;
    uint64_t printed = 0;
    std::map<std::string, uint64_t> last_seq;  // per agent and boot
    proto::DigestBatch batch;
    zmq::message_t body;
    while (printed < limit && receive("digests", s.sub, body)) {
        if (vm.count("hexdump")) {
            const auto* p = static_cast<const uint8_t*>(body.data());
            for (size_t i = 0; i < body.size(); i += 16) {
                std::string line = fmt::format("{:04x}:", i);
                for (size_t j = i; j < i + 16 && j < body.size(); ++j) line += fmt::format(" {:02x}", p[j]);
                std::cerr << line << '\n';
            }
        }
        const auto err = proto::decode_digest_batch({static_cast<const uint8_t*>(body.data()), body.size()}, batch);
        if (!err.empty()) {
            std::cerr << "spinctl digests: bad batch skipped: " << err << "\n";
            continue;
        }
        auto& seq = last_seq[fmt::format("{}/{}", batch.header.agent, batch.header.boot_us)];
        if (seq != 0 && batch.header.seq != seq + 1)
            std::cerr << fmt::format("spinctl digests: gap: agent {} batches {}..{} missing\n", batch.header.agent,
                                     seq + 1, batch.header.seq - 1);
        seq = batch.header.seq;
        if (vm.count("batches"))
            std::cerr << fmt::format("batch agent={} seq={} sent={:.6f} records={}\n", batch.header.agent,
                                     batch.header.seq, batch.header.sent_us / 1e6, batch.records.size());
        for (const auto& r : batch.records) {
            if (printed == limit) break;
            std::cout << proto::flow_record_to_json(r, batch.header.agent, batch.rule_name(r.rule)) << '\n';
            ++printed;
        }
        std::cout.flush();
    }
    return 0;
}

int events(int argc, char** argv) {
    po::options_description extra;
    extra.add_options()(
        "type", po::value<std::vector<std::string>>()->value_name("TYPE"),
        "print only events of this type (repeatable): dhcp, dhcpv6, dns, neighbour, mdns, ssdp, lldp, hello, "
        "rules, goodbye");
    po::variables_map vm;
    if (int rc = parse(
            "events",
            "Prints an agent's events (DHCP, DNS, ARP / ND, mDNS, SSDP, LLDP, rule changes,\nhello) as JSON lines.",
            argc, argv, extra, vm);
        rc >= 0)
        return rc;
    Subscription s;
    if (int rc = subscribe("events", vm, proto::kEventTopic, s); rc >= 0) return rc;
    const uint64_t limit = vm.count("count") ? vm["count"].as<uint64_t>() : UINT64_MAX;
    std::vector<std::string> types;
    if (vm.count("type")) types = vm["type"].as<std::vector<std::string>>();
    uint64_t printed = 0;
    std::map<std::string, uint64_t> last_seq;
    zmq::message_t body;
    while (printed < limit && receive("events", s.sub, body)) {
        const auto e = nlohmann::json::parse(body.to_string(), nullptr, false);
        if (e.is_discarded() || !e.is_object()) {
            std::cerr << "spinctl events: message that is not a JSON object skipped\n";
            continue;
        }
        const auto agent = e.value("agent", std::string{});
        const auto seq = e.value("seq", uint64_t{0});
        auto& last = last_seq[fmt::format("{}/{}", agent, e.value("boot", 0.0))];
        if (last != 0 && seq != last + 1)
            std::cerr << fmt::format("spinctl events: gap: agent {} events {}..{} missing\n", agent, last + 1, seq - 1);
        last = seq;
        if (!types.empty() && std::find(types.begin(), types.end(), e.value("type", std::string{})) == types.end())
            continue;
        std::cout << body.to_string() << std::endl;
        ++printed;
    }
    return 0;
}

int events_any(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]).rfind("--connect", 0) == 0) return events(argc, argv);
    return api_events(argc, argv);
}

}  // namespace spin::spinctl
