#include "proto/events.h"

namespace spin::proto {

using nlohmann::json;

namespace {

std::string fmt_bound(const char* key, size_t max) {
    return std::string("'") + key + "' must be a list of at most " + std::to_string(max);
}

}  // namespace

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DhcpMismatchEvent, message, chaddr, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Dhcpv6Event, message, duid, fqdn, mud_url, ips)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsAnswer, name, type, address, ttl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsBindingInfo, name, address, ttl, expires, via)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsEvent, query, qtype, rcode, answers, bindings)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NeighbourEvent, ip, via)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MdnsService, type, instance)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MdnsEvent, ip, hostnames, services)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SsdpEvent, ip, method, server, device_type, nts, usn, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LldpEvent, system_name, chassis_id, mud_url)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HelloEvent, reason, version, rules, digest_seq, commands)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RulesEvent, op, rule, version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GoodbyeEvent, version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WorkerCounters, worker, counters)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortCounters, port, rx_packets, tx_packets, rx_bytes, tx_bytes,
                                                rx_missed, rx_errors, tx_errors, rx_nombuf)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RuleCounters, id, pkts, bytes)

void to_json(json& j, const StatsEvent& e) { j = json{{"workers", e.workers}, {"ports", e.ports}, {"rules", e.rules}}; }

// Bounded as it is read: an agent (or whoever speaks as one) cannot make
// the controller hold a million series.
void from_json(const json& j, StatsEvent& e) {
    const auto list = [&](const char* key, size_t max) -> const json& {
        static const json empty = json::array();
        if (!j.contains(key)) return empty;
        const json& v = j[key];
        if (!v.is_array() || v.size() > max) throw json::type_error::create(302, fmt_bound(key, max), &v);
        return v;
    };
    e.workers = list("workers", StatsEvent::kMaxWorkers).get<std::vector<WorkerCounters>>();
    e.ports = list("ports", 2).get<std::vector<PortCounters>>();
    e.rules = list("rules", StatsEvent::kMaxRules).get<std::vector<RuleCounters>>();
    for (const auto& w : e.workers) {
        if (w.counters.size() > StatsEvent::kMaxCounters)
            throw json::type_error::create(302, "a worker with more than 128 counters", &j);
        for (const auto& [name, value] : w.counters)
            if (name.empty() || name.size() > 64 ||
                name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
                throw json::type_error::create(302, "a counter name that is not [a-z_]{1,64}", &j);
    }
    for (const auto& p : e.ports)
        if (p.port != "lan" && p.port != "wan")
            throw json::type_error::create(302, "a port that is not lan or wan", &j);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AlertEvent, detector, stage, first, evidence, message)

// DHCP's lease and server are there only when the message had them.
void to_json(json& j, const DhcpEvent& e) {
    j = json{{"message", e.message},
             {"hostname", e.hostname},
             {"vendor_class", e.vendor_class},
             {"param_list", e.param_list},
             {"client_id", e.client_id},
             {"mud_url", e.mud_url},
             {"ip", e.ip}};
    if (e.lease_seconds) j["lease_seconds"] = *e.lease_seconds;
    if (e.server_id) j["server_id"] = *e.server_id;
}

void from_json(const json& j, DhcpEvent& e) {
    const DhcpEvent none;
    e.message = j.value("message", none.message);
    e.hostname = j.value("hostname", none.hostname);
    e.vendor_class = j.value("vendor_class", none.vendor_class);
    e.param_list = j.value("param_list", none.param_list);
    e.client_id = j.value("client_id", none.client_id);
    e.mud_url = j.value("mud_url", none.mud_url);
    e.ip = j.value("ip", none.ip);
    if (j.contains("lease_seconds")) {
        const json& v = j["lease_seconds"];
        if (!v.is_number_integer() || v.get<int64_t>() < 0)
            throw json::type_error::create(302, "'lease_seconds' must be a whole number of seconds", &v);
        e.lease_seconds = v.get<uint64_t>();
    }
    if (j.contains("server_id")) e.server_id = j["server_id"].get<std::string>();
}

namespace {

template <typename Body>
bool packet_event() {
    return !std::is_same_v<Body, HelloEvent> && !std::is_same_v<Body, RulesEvent> &&
           !std::is_same_v<Body, GoodbyeEvent> && !std::is_same_v<Body, StatsEvent>;
}

}  // namespace

const char* Event::type() const {
#define SPIN_EVENT_TYPE(kind, body_type) \
    if (std::holds_alternative<body_type>(body)) return #kind;
    SPIN_EVENT_KINDS(SPIN_EVENT_TYPE)
#undef SPIN_EVENT_TYPE
    return "";
}

void to_json(json& j, const Event& e) {
    j = json::object();
    std::visit(
        [&](const auto& body) {
            using Body = std::decay_t<decltype(body)>;
            if constexpr (!std::is_same_v<Body, std::monostate>) {
                j = body;
                if (packet_event<Body>()) {
                    j["mac"] = e.mac;
                    j["side"] = e.side;
                }
            }
        },
        e.body);
    j["type"] = e.type();
    j["time"] = e.time;
    if (!e.agent.empty()) {
        j["agent"] = e.agent;
        j["boot"] = e.boot;
        j["seq"] = e.seq;
    }
}

std::optional<Event> parse_event(const json& j, std::string* error) {
    const auto fail = [&](std::string why) -> std::optional<Event> {
        if (error != nullptr) *error = std::move(why);
        return std::nullopt;
    };
    if (!j.is_object()) return fail("an event must be a JSON object");
    const auto type = j.find("type");
    if (type == j.end() || !type->is_string()) return fail("an event needs a 'type'");
    try {
        Event e;
        e.agent = j.value("agent", std::string{});
        e.boot = j.value("boot", 0.0);
        e.seq = j.value("seq", uint64_t{0});
        e.time = j.value("time", 0.0);
        e.mac = j.value("mac", std::string{});
        e.side = j.value("side", std::string{});
        const std::string t = type->get<std::string>();
#define SPIN_EVENT_READ(kind, body_type) \
    if (t == #kind) e.body = j.get<body_type>();
        SPIN_EVENT_KINDS(SPIN_EVENT_READ)
#undef SPIN_EVENT_READ
        if (std::holds_alternative<std::monostate>(e.body)) return fail("unknown event type '" + t.substr(0, 64) + "'");
        return e;
    } catch (const json::exception& ex) {
        return fail(std::string(type->get<std::string>()).substr(0, 64) + " event: " + ex.what());
    }
}

}  // namespace spin::proto
