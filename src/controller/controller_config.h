// spin-controller's configuration: config/controller.yaml, every key in
// docs/configuration.md ("Controller"), plus command-line overrides.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/yaml_at.h"
#include "controller/export/export_config.h"
#include "controller/mud/mud_config.h"
#include "controller/response/response_config.h"
#include "nmf/ingest/recorder.h"
#include "nmf/store/retention.h"

namespace spin::controller {

using config::ConfigError;

struct AgentEndpoint {
    std::string id;
    std::string publish;     // the agent's digest / event stream (its digests.publish)
    std::string commands;    // its command channel, "" if none (read-only agent)
    std::string server_key;  // the agent's CURVE public key (Z85 or a file); "" for plain
};

struct ControllerConfig {
    std::vector<AgentEndpoint> agents;
    std::string curve_secret_key_file;  // the controller's own key pair, for agents with server_key

    std::string db = "spin.db";
    nmf::Retention retention;
    double flush_interval = 0.5;  // seconds between store transactions
    nmf::RowLimits row_limits;    // traffic rows per device and minute

    std::string listen = "127.0.0.1:8080";
    std::string token;                   // bearer token; required off loopback
    uint64_t max_body = 1 << 20;         // a MUD file given through the API fits
    uint32_t api_threads = 16;           // HTTP worker threads
    uint32_t api_max_streams = 4;        // live streams at once (each holds a thread)
    std::vector<std::string> api_hosts;  // names the API may be reached by (Host header)
    ExportConfig exports;                // export: Prometheus, IPFIX
    bool ui = true;                      // serve the web UI at / (docs/ui.md)
    std::string ui_dir;                  // its built files; "": the installed or built ones (default_ui_dir)

    double order_timeout = 3;   // seconds to wait for agents' acknowledgements
    double agent_timeout = 15;  // silence after which an agent counts as gone
    std::string oui_dir = "/usr/share/ieee-data";
    MudConfig mud;
    nmf::DetectConfig detect;
    ResponseConfig response;
};

ControllerConfig load_controller_config(const std::string& path);
// The first line of a token file, refused (ConfigError) when other users may read it.
std::string read_token_file(const std::string& path);
// The same of a key naming the file: an error names the key.
std::string read_token_file(const config::At& at);
ControllerConfig parse_controller_config(const std::string& yaml, const std::string& origin);

// "ID=PUBLISH[,COMMANDS]", as --agent takes it.
AgentEndpoint parse_agent_option(const std::string& text);
// Adds an agent, replacing one with the same id.
void add_agent(ControllerConfig& config, AgentEndpoint agent);

// Checks what the command line may have changed.  Throws ConfigError.
void validate(const ControllerConfig& config);

// Where the web UI's built files are when ui.dir does not say: installed
// beside the executable (PREFIX/share/spin/ui for PREFIX/bin), or built in
// its build tree (build/src/ui/ui for build/src/controller); "" if neither.
std::string default_ui_dir();

// "host:port" split; throws ConfigError.
std::pair<std::string, uint16_t> split_listen(const std::string& listen);
bool is_loopback_host(const std::string& host);

}  // namespace spin::controller
