// spinctl agent ORDER: gives an agent one order over its command channel and
// prints the answer (one JSON line).  Exit status 0 when the agent said ok,
// 1 when it refused or did not answer in time, 2 on a usage error.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "spinctl/command_line.h"
#include "spinctl/commands.h"
#include "spinctl/curve_options.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace spin::spinctl {

namespace {

const char* kAgentUsage =
    "Usage: spinctl agent ORDER --connect ENDPOINT [options]\n\n"
    "Orders:\n"
    "  block     add a rule: --mac MAC (quarantine), --mac MAC --remote PREFIX,\n"
    "            --mac MAC --domain NAME, --remote PREFIX (every device),\n"
    "            --mac MAC --allow-domain NAME --allow-remote PREFIX (an allow-list), or --rule JSON\n"
    "  unblock   remove a rule: the same options as block, or --rule-id N\n"
    "  rules     list the rules in force with their drop counters\n"
    "  stats     the agent's counters\n"
    "  ping      is the agent there, which tables does it hold\n";

// Builds the rule object of block / unblock from the options.
std::string build_rule(const po::variables_map& vm, json& rule) {
    if (vm.count("rule")) {
        rule = json::parse(vm["rule"].as<std::string>(), nullptr, false);
        if (rule.is_discarded() || !rule.is_object()) return "--rule must be a JSON object";
        return {};
    }
    const bool mac = vm.count("mac"), remote = vm.count("remote"), domain = vm.count("domain");
    const bool allow = vm.count("allow-domain") || vm.count("allow-remote");
    if (domain && (!mac || remote)) return "--domain needs --mac (and no --remote)";
    if (allow && (!mac || remote || domain))
        return "--allow-domain / --allow-remote need --mac (and no --remote or --domain)";
    if (allow) {
        rule = {{"type", "device_allow"},
                {"mac", vm["mac"].as<std::string>()},
                {"domains", json::array()},
                {"remotes", json::array()}};
        if (vm.count("allow-domain"))
            for (const auto& d : vm["allow-domain"].as<std::vector<std::string>>()) rule["domains"].push_back(d);
        if (vm.count("allow-remote"))
            for (const auto& r : vm["allow-remote"].as<std::vector<std::string>>()) rule["remotes"].push_back(r);
    } else if (mac && domain)
        rule = {
            {"type", "device_name"}, {"mac", vm["mac"].as<std::string>()}, {"domain", vm["domain"].as<std::string>()}};
    else if (mac && remote)
        rule = {{"type", "device_remote"},
                {"mac", vm["mac"].as<std::string>()},
                {"remote", vm["remote"].as<std::string>()}};
    else if (mac)
        rule = {{"type", "quarantine"}, {"mac", vm["mac"].as<std::string>()}};
    else if (remote)
        rule = {{"type", "global"}, {"remote", vm["remote"].as<std::string>()}};
    else
        return "say what to block: --mac, --remote, --domain or --rule";
    if (vm.count("name")) rule["name"] = vm["name"].as<std::string>();
    return {};
}

}  // namespace

int agent(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cout << kAgentUsage << "\nRun 'spinctl agent ORDER --help' for the options.\n";
        return argc < 2 ? 2 : 0;
    }
    const std::string op = argv[1];
    if (op != "block" && op != "unblock" && op != "rules" && op != "stats" && op != "ping") {
        std::cerr << "spinctl agent: unknown order '" << op << "'\n" << kAgentUsage;
        return 2;
    }
    po::options_description opts(fmt::format("Usage: spinctl agent {} --connect ENDPOINT [options]\n\nOptions", op));
    opts.add_options()("help,h", "print this help")(
        "connect", po::value<std::string>()->value_name("ENDPOINT"),
        "the agent's command endpoint, e.g. tcp://127.0.0.1:5557 (required)")(
        "timeout", po::value<double>()->value_name("SECONDS")->default_value(5),
        "give up when no answer came for this long")("id", po::value<std::string>()->value_name("ID"),
                                                     "order id (default: spinctl-PID-TIME)");
    if (op == "block" || op == "unblock") {
        opts.add_options()("mac", po::value<std::string>()->value_name("MAC"), "device MAC")(
            "remote", po::value<std::string>()->value_name("PREFIX"), "remote address or prefix")(
            "domain", po::value<std::string>()->value_name("NAME"),
            "DNS name: 'example.com' (it and names under it) or '*.example.com'")(
            "allow-domain", po::value<std::vector<std::string>>()->value_name("NAME"),
            "allow-list: the device may reach names of this domain (repeatable)")(
            "allow-remote", po::value<std::vector<std::string>>()->value_name("PREFIX"),
            "allow-list: the device may reach this prefix (repeatable)")(
            "name", po::value<std::string>()->value_name("TEXT"), "the rule's name in records and listings")(
            "rule", po::value<std::string>()->value_name("JSON"),
            "the rule as a JSON object, as in the YAML 'blocks' list");
        if (op == "unblock")
            opts.add_options()("rule-id", po::value<unsigned>()->value_name("N"), "remove rule N (see 'rules')");
    }
    add_curve_options(opts);
    po::variables_map vm;
    if (int rc = parse_command_line("agent " + op, argc - 1, argv + 1, opts, vm, "--connect ENDPOINT"); rc >= 0)
        return rc;
    json order{{"op", op}};
    order["id"] = vm.count("id") ? vm["id"].as<std::string>()
                                 : fmt::format("spinctl-{}-{}", getpid(),
                                               std::chrono::system_clock::now().time_since_epoch().count());
    if (op == "unblock" && vm.count("rule-id")) {
        order["rule_id"] = vm["rule-id"].as<unsigned>();
    } else if (op == "block" || op == "unblock") {
        json rule;
        if (auto err = build_rule(vm, rule); !err.empty()) {
            std::cerr << "spinctl agent " << op << ": " << err << "\n";
            return 2;
        }
        order["rule"] = rule;
    }

    zmq::context_t ctx;
    zmq::socket_t req(ctx, zmq::socket_type::req);
    if (auto err = apply_curve_options(vm, req); !err.empty()) {
        std::cerr << "spinctl agent " << op << ": " << err << "\n";
        return 2;
    }
    const int timeout_ms = static_cast<int>(vm["timeout"].as<double>() * 1000);
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, timeout_ms);
    req.set(zmq::sockopt::sndtimeo, timeout_ms);
    try {
        req.connect(vm["connect"].as<std::string>());
    } catch (const zmq::error_t& e) {
        std::cerr << "spinctl agent " << op << ": cannot connect to " << vm["connect"].as<std::string>() << ": "
                  << e.what() << "\n";
        return 2;
    }
    const std::string text = order.dump();
    zmq::message_t answer;
    if (!req.send(zmq::buffer(text), zmq::send_flags::none) || !req.recv(answer)) {
        std::cerr << fmt::format("spinctl agent {}: no answer from {} within {} s (wrong endpoint or key?)\n", op,
                                 vm["connect"].as<std::string>(), vm["timeout"].as<double>());
        return 1;
    }
    std::cout << answer.to_string() << std::endl;
    const auto a = json::parse(answer.to_string(), nullptr, false);
    if (a.is_discarded() || !a.is_object() || !a.value("ok", false)) {
        std::cerr << "spinctl agent " << op << ": refused: "
                  << (a.is_object() ? a.value("error", std::string("no reason given"))
                                    : std::string("answer is not JSON"))
                  << "\n";
        return 1;
    }
    return 0;
}

}  // namespace spin::spinctl
