// spin-agent: the SPIN dataplane process.  See docs/configuration.md.
#include <csignal>
#include <iostream>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "common/log.h"

namespace po = boost::program_options;

namespace {
void on_signal(int) { spin::agent::g_stop_requested.store(true); }
}  // namespace

int main(int argc, char** argv) {
    po::options_description opts(
        "Usage: spin-agent --config FILE [options]\n\n"
        "Sits inline between the home LAN and the modem (bridge mode) or watches a\n"
        "mirror port (monitor mode), meters every flow, enforces block rules and\n"
        "publishes flow digests.  EAL options come from the YAML file's 'eal' section.\n\n"
        "Options");
    opts.add_options()("help,h", "print this help and exit")(
        "log-level", po::value<std::string>()->value_name("LEVEL")->default_value("info"),
        "the least severe messages logged: debug, info, warning or error")(
        "config,c", po::value<std::string>()->value_name("FILE"),
        "YAML configuration (see docs/configuration.md); required")(
        "lan", po::value<std::string>()->value_name("VDEV_OR_PCI"),
        "LAN port, overrides ports.lan (e.g. 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap' or 0000:01:00.0)")(
        "wan", po::value<std::string>()->value_name("VDEV_OR_PCI"), "WAN port, overrides ports.wan (bridge mode only)")(
        "workers", po::value<uint32_t>()->value_name("N"), "worker lcores, overrides workers")(
        "publish", po::value<std::string>()->value_name("ENDPOINT"),
        "ZeroMQ endpoint to bind for digests and events, overrides digests.publish (e.g. tcp://127.0.0.1:5556)")(
        "commands", po::value<std::string>()->value_name("ENDPOINT"),
        "ZeroMQ endpoint to bind for orders, overrides commands.listen (e.g. tcp://127.0.0.1:5557)")(
        "wait-subscribers", po::value<uint32_t>()->value_name("N"),
        "hold the ports until N subscriptions reached the publish endpoint (bounded by digests.wait_timeout), "
        "overrides digests.wait_subscribers")("event-log", po::value<std::string>()->value_name("FILE"),
                                              "also write every event as a JSON line to FILE")(
        "flow-log", po::value<std::string>()->value_name("FILE"),
        "write one JSON line per flow when it ends (and at exit for open flows)")(
        "exit-on-eof", "stop once the inputs (net_pcap files) are exhausted and every flow has been reported")(
        "eof-idle-ms", po::value<uint32_t>()->value_name("MS")->default_value(500),
        "with --exit-on-eof: how long without a packet counts as the end of input")(
        "state-dir", po::value<std::string>()->value_name("DIR"),
        "where the rules in force survive restarts, overrides state.dir (\"\" keeps nothing)")(
        "replay-order", po::value<std::string>()->value_name("ORDER"),
        "arrival or time (merge both ports' captures by capture time), overrides replay_order")(
        "summary", "print per-device totals at exit")(
        "print-kernel-ports",
        "print the kernel interfaces of the LAN and WAN ports (net_af_packet's iface=) and exit; nothing when "
        "the ports are not both kernel interfaces: what deploy/spin-failopen bridges while the agent is down")(
        "agent-id", po::value<std::string>()->value_name("ID"), "agent id, overrides agent.id");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "spin-agent: " << e.what() << "\n(try --help)\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts
                  << "\nExit status: 0 after a clean stop (SIGINT, SIGTERM or end of input),\n"
                     "1 on a runtime error, 2 on a usage or configuration error.\n";
        return 0;
    }
    const auto level = spin::log_level_from(vm["log-level"].as<std::string>());
    if (!level) {
        std::cerr << "spin-agent: --log-level must be debug, info, warning or error\n";
        return 2;
    }
    spin::log_init("spin-agent", *level);
    if (!vm.count("config")) {
        std::cerr << "spin-agent: --config FILE is required (try --help)\n";
        return 2;
    }
    spin::agent::AgentConfig cfg;
    try {
        cfg = spin::agent::load_agent_config(vm["config"].as<std::string>());
        if (vm.count("lan")) cfg.lan = vm["lan"].as<std::string>();
        if (vm.count("wan")) cfg.wan = vm["wan"].as<std::string>();
        if (vm.count("workers")) cfg.workers = vm["workers"].as<uint32_t>();
        if (vm.count("publish")) cfg.publish = vm["publish"].as<std::string>();
        if (vm.count("commands")) cfg.commands = vm["commands"].as<std::string>();
        if (vm.count("wait-subscribers")) cfg.wait_subscribers = vm["wait-subscribers"].as<uint32_t>();
        if (vm.count("event-log")) cfg.event_log = vm["event-log"].as<std::string>();
        if (vm.count("flow-log")) cfg.flow_log = vm["flow-log"].as<std::string>();
        if (vm.count("agent-id")) cfg.id = vm["agent-id"].as<std::string>();
        if (vm.count("state-dir")) cfg.state_dir = vm["state-dir"].as<std::string>();
        if (vm.count("replay-order")) {
            const auto order = vm["replay-order"].as<std::string>();
            if (order != "arrival" && order != "time")
                throw spin::agent::ConfigError("--replay-order must be 'arrival' or 'time'");
            cfg.replay_order = order == "time" ? spin::agent::ReplayOrder::time : spin::agent::ReplayOrder::arrival;
        }
        cfg.exit_on_eof = vm.count("exit-on-eof") != 0;
        cfg.eof_idle_ms = vm["eof-idle-ms"].as<uint32_t>();
        cfg.summary = vm.count("summary") != 0;
        if (cfg.workers == 0 || cfg.workers > 64) throw spin::agent::ConfigError("--workers must be 1..64");
        spin::agent::validate(cfg);
    } catch (const spin::agent::ConfigError& e) {
        std::cerr << "spin-agent: configuration error: " << e.what() << "\n";
        return 2;
    }
    if (vm.count("print-kernel-ports")) {
        const auto lan = spin::agent::kernel_interface(cfg.lan), wan = spin::agent::kernel_interface(cfg.wan);
        if (cfg.mode == spin::agent::Mode::bridge && lan && wan) std::cout << *lan << " " << *wan << "\n";
        return 0;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    try {
        return spin::agent::run_agent(cfg);
    } catch (const std::exception& e) {
        std::cerr << "spin-agent: error: " << e.what() << "\n";
        return 1;
    }
}
