// spin-controller: agent sessions, the device model, the longitudinal store
// and the API.  See docs/configuration.md ("Controller") and docs/api.md.
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "common/log.h"
#include "controller/controller.h"
#include "controller/controller_config.h"

namespace po = boost::program_options;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
    using namespace spin::controller;
    po::options_description opts(
        "Usage: spin-controller --config FILE [options]\n\n"
        "Subscribes to SPIN agents, keeps the model of the home network and its\n"
        "history in an SQLite store, and serves the NMF API (docs/api.md).\n\n"
        "Options");
    opts.add_options()("help,h", "print this help and exit")(
        "log-level", po::value<std::string>()->value_name("LEVEL")->default_value("info"),
        "the least severe messages logged: debug, info, warning or error")(
        "config,c", po::value<std::string>()->value_name("FILE"),
        "YAML configuration (docs/configuration.md, \"Controller\")")(
        "agent", po::value<std::vector<std::string>>()->value_name("ID=PUB[,CMD]"),
        "an agent: its id, publish endpoint and (optional) command endpoint, e.g. "
        "home=tcp://127.0.0.1:5556,tcp://127.0.0.1:5557; repeat for several; replaces a YAML agent of the same id")(
        "listen", po::value<std::string>()->value_name("HOST:PORT"),
        "API address, overrides api.listen (port 0: any free port)")("db", po::value<std::string>()->value_name("FILE"),
                                                                     "SQLite store, overrides store.path")(
        "token-file", po::value<std::string>()->value_name("FILE"),
        "read the API bearer token from the first line of FILE, overrides api.token (default: $SPIN_API_TOKEN)")(
        "token", po::value<std::string>()->value_name("TOKEN"),
        "API bearer token, overrides api.token; visible to every local user in ps: prefer --token-file or "
        "$SPIN_API_TOKEN");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "spin-controller: " << e.what() << "\n\n" << opts << "\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts << "\n";
        return 0;
    }
    const auto level = spin::log_level_from(vm["log-level"].as<std::string>());
    if (!level) {
        std::cerr << "spin-controller: --log-level must be debug, info, warning or error\n";
        return 2;
    }
    spin::log_init("spin-controller", *level);
    ControllerConfig config;
    try {
        if (vm.count("config")) config = load_controller_config(vm["config"].as<std::string>());
        if (vm.count("agent"))
            for (const auto& a : vm["agent"].as<std::vector<std::string>>()) add_agent(config, parse_agent_option(a));
        if (vm.count("listen")) config.listen = vm["listen"].as<std::string>();
        if (vm.count("db")) config.db = vm["db"].as<std::string>();
        if (const char* env = std::getenv("SPIN_API_TOKEN"); env != nullptr && *env != '\0') config.token = env;
        if (vm.count("token-file")) config.token = read_token_file(vm["token-file"].as<std::string>());
        if (vm.count("token")) {
            config.token = vm["token"].as<std::string>();
            spin::log_warn("--token shows the API token to every local user (ps); use --token-file or SPIN_API_TOKEN");
        }
        validate(config);
    } catch (const ConfigError& e) {
        std::cerr << "spin-controller: " << e.what() << "\n";
        return 2;
    }
    if (config.agents.empty())
        spin::log_warn("no agents configured (agents in the YAML, or --agent): serving the store only");

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    try {
        Controller controller(config);
        controller.run(g_stop);
        spin::log_info("stopped: {}", controller.stats().dump());
    } catch (const std::exception& e) {
        std::cerr << "spin-controller: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
