// spin-agent's configuration: the YAML file (every key in docs/configuration.md)
// with command-line overrides applied.  Loading validates everything up front
// and throws ConfigError with the key path and what is wrong.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/ip_prefix.h"
#include "config/yaml_at.h"
#include "dataplane/worker.h"
#include "proto/rule.h"

namespace spin::agent {

using ConfigError = config::ConfigError;

enum class Mode { bridge, monitor };
// How a bridge hands its two ports' frames to the pipeline: as they arrive,
// or (replays of two captures) merged by capture time in one worker.
enum class ReplayOrder { arrival, time };

struct AgentConfig {
    std::string id = "spin-agent";
    Mode mode = Mode::bridge;
    ReplayOrder replay_order = ReplayOrder::arrival;

    // ports
    std::string lan;  // PCI address or vdev string
    std::string wan;  // unused in monitor mode
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
    uint32_t mbufs = 16383;
    uint32_t mbuf_cache = 256;

    uint32_t workers = 1;

    // eal
    std::string file_prefix = "auto";  // "auto": unique per process
    uint32_t memory_mb = 0;            // 0: computed from the pools and rings
    bool huge_pages = false;
    std::string log_level = "notice";
    std::vector<int> cpus;              // CPUs for lcores 0..N (main first); empty: any
    std::vector<std::string> eal_args;  // appended verbatim

    // flows
    dp::WorkerConfig worker;  // flow capacity, timeouts, eviction, idle, monitor

    // digests
    std::string publish;               // ZeroMQ endpoint to bind, "" for none (digests and events)
    uint32_t wait_subscribers = 0;     // hold the ports until this many subscriptions arrived
    uint32_t wait_timeout_ms = 10000;  // ... or this long has passed
    uint32_t heartbeat_ms = 5000;      // period of the 'hello' event; 0: only at start and on subscription
    uint32_t stats_ms = 10000;         // period of the 'stats' event (the agent's counters); 0: none
    uint32_t batch_records = 512;
    uint32_t batch_delay_ms = 100;
    uint32_t ring_size = 65536;

    // commands
    std::string commands;  // ZeroMQ endpoint (ROUTER) to bind for orders, "" for none

    // curve: both empty means plain ZeroMQ, allowed on loopback / ipc only
    std::string secret_key_file;               // this agent's CURVE secret key (Z85, from spinctl keygen)
    std::vector<std::string> authorized_keys;  // Z85 public keys of controllers / clients allowed in

    // slow path
    uint32_t slow_ring_size = 1024;  // copies per worker ring
    uint32_t slow_pool = 4095;       // mbufs for copies, shared by the workers

    // monitor
    std::vector<IpPrefix> lan_prefixes;
    std::optional<std::array<uint8_t, 6>> gateway_mac;

    // network: the home's services an allow policy lets a device reach (more
    // are learnt from DHCP servers on the network side)
    std::vector<IpPrefix> resolvers;
    std::vector<IpPrefix> dhcp_servers;

    std::vector<proto::Rule> blocks;  // the YAML `blocks` list, in force from the start

    // state: where the rules in force survive restarts; unset means
    // $STATE_DIRECTORY/agent-<id> (systemd), else /var/lib/spin/agent-<id>;
    // "" keeps nothing
    std::optional<std::string> state_dir;

    // run control (command line only)
    bool exit_on_eof = false;
    uint32_t eof_idle_ms = 500;
    std::string flow_log;
    std::string event_log;
    bool summary = false;
};

// Loads and validates a YAML file.  Throws ConfigError.
AgentConfig load_agent_config(const std::string& path);
// Same from YAML text; `origin` names it in error messages.
AgentConfig parse_agent_config(const std::string& yaml, const std::string& origin);
// Checks what command-line overrides may have changed.  Throws ConfigError.
void validate(const AgentConfig& config);
// The state directory in force: state.dir / --state-dir, else the default
// under $STATE_DIRECTORY or /var/lib/spin/, named after the agent id; "" for none.  Throws
// ConfigError when the id cannot name a directory.
std::string state_dir(const AgentConfig& config);

// The kernel interface a port string names: IFACE of "net_af_packet<N>,iface=IFACE[,...]";
// nullopt for a PCI address or any other vdev.
std::optional<std::string> kernel_interface(const std::string& port);

}  // namespace spin::agent
