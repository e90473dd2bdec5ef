// The agent's events (docs/protocol.md, "Events"), defined once: the agent
// builds them, the controller's model reads them, both through these types
// and their JSON.  Every event has the publisher's agent, boot and seq, a
// time and a body of one kind; events learnt from packets also name the
// device (mac) and the port of arrival (side).
//
// A new kind of event is one row of SPIN_EVENT_KINDS, its body type with
// its JSON fields here, and the code that builds and reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace spin::proto {

struct DhcpEvent {  // DHCPv4, every message; mac is chaddr
    std::string message, hostname, vendor_class, param_list, client_id, mud_url, ip;
    std::optional<uint64_t> lease_seconds;
    std::optional<std::string> server_id;
};

struct DhcpMismatchEvent {  // a DHCP message SPIN refused to believe; mac is the LAN device that sent or got it
    std::string message, chaddr, reason;
};

struct Dhcpv6Event {
    std::string message, duid, fqdn, mud_url;
    std::vector<std::string> ips;
};

struct DnsAnswer {
    std::string name, type, address;
    uint64_t ttl = 0;
};

struct DnsBindingInfo {  // the asked name, an address it resolves to, through the CNAMEs in via
    std::string name, address;
    uint64_t ttl = 0;
    double expires = 0;
    std::vector<std::string> via;
};

struct DnsEvent {  // a response; mac is the LAN device that asked
    std::string query, qtype, rcode;
    std::vector<DnsAnswer> answers;
    std::vector<DnsBindingInfo> bindings;
};

struct NeighbourEvent {  // ARP / ND; mac is the MAC bound
    std::string ip, via;
};

struct MdnsService {
    std::string type, instance;
};

struct MdnsEvent {
    std::string ip;
    std::vector<std::string> hostnames;
    std::vector<MdnsService> services;
};

struct SsdpEvent {
    std::string ip, method, server, device_type, nts, usn, location;
};

struct LldpEvent {
    std::string system_name, chassis_id, mud_url;
};

struct HelloEvent {  // the agent: at start, to each new subscriber, as a heartbeat
    std::string reason;
    uint64_t version = 0, rules = 0, digest_seq = 0;
    std::string commands;
};

struct RulesEvent {  // an order changed the rules
    std::string op;
    nlohmann::json rule;  // as the answer to the `rules` order shows it
    uint64_t version = 0;
};

struct GoodbyeEvent {
    uint64_t version = 0;
};

// The agent's own counters (every digests.stats seconds): per worker (the
// counters of dataplane/worker_stats.h by name, lan_ / wan_ for those by
// side), per port (DPDK's), and per rule the frames it dropped.  The
// controller turns them into Prometheus metrics; not stored as events.
struct WorkerCounters {
    uint32_t worker = 0;
    std::map<std::string, uint64_t> counters;
};
struct PortCounters {
    std::string port;  // lan, wan
    uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
    uint64_t rx_missed = 0, rx_errors = 0, tx_errors = 0, rx_nombuf = 0;
};
struct RuleCounters {
    uint64_t id = 0;
    uint64_t pkts = 0, bytes = 0;
};
struct StatsEvent {
    std::vector<WorkerCounters> workers;
    std::vector<PortCounters> ports;
    std::vector<RuleCounters> rules;  // at most kMaxRules, those that dropped most
    static constexpr size_t kMaxWorkers = 64, kMaxCounters = 128, kMaxRules = 256;
};

// What a detector saw, and what was done about it (docs/detection.md).  The
// agent's reflex sends one (detector mirai_scan); the controller's
// detectors and decisions write the same fields in its own events.  `time`
// (the event's) is the packet time of the last thing seen, `first` of the
// first; `evidence` holds the numbers, `message` says it to a person.
struct AlertEvent {
    std::string detector, stage;
    double first = 0;
    nlohmann::json evidence = nlohmann::json::object();
    std::string message;
};

// X(kind, body type): the `type` of the JSON and the body that goes with it.
#define SPIN_EVENT_KINDS(X)             \
    X(dhcp, DhcpEvent)                  \
    X(dhcp_mismatch, DhcpMismatchEvent) \
    X(dhcpv6, Dhcpv6Event)              \
    X(dns, DnsEvent)                    \
    X(neighbour, NeighbourEvent)        \
    X(mdns, MdnsEvent)                  \
    X(ssdp, SsdpEvent)                  \
    X(lldp, LldpEvent)                  \
    X(hello, HelloEvent)                \
    X(rules, RulesEvent)                \
    X(goodbye, GoodbyeEvent)            \
    X(stats, StatsEvent)                \
    X(alert, AlertEvent)

// monostate first: an Event read from nothing holds no body.
#define SPIN_EVENT_BODY(kind, body_type) , body_type
using EventBody = std::variant<std::monostate SPIN_EVENT_KINDS(SPIN_EVENT_BODY)>;
#undef SPIN_EVENT_BODY

struct Event {
    std::string agent;  // the publisher sets agent, boot and seq
    double boot = 0;
    uint64_t seq = 0;
    double time = 0;
    std::string mac, side;  // events learnt from packets: the device, and "lan" or "wan"
    EventBody body;

    // The JSON `type` of the body.
    const char* type() const;
    template <typename T>
    const T* as() const {
        return std::get_if<T>(&body);
    }
};

// The event as the wire has it (publisher fields only where set).
void to_json(nlohmann::json& j, const Event& e);
// Reads an event; unknown fields are ignored (later versions add some),
// missing ones read as empty.  nullopt, and why in *error, for an unknown
// type or a field of the wrong type.  Never throws.
std::optional<Event> parse_event(const nlohmann::json& j, std::string* error);

}  // namespace spin::proto
