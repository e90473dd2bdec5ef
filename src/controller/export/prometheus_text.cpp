#include "controller/export/prometheus_text.h"

#include <cmath>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "controller/export/prometheus_format.h"

namespace spin::controller {

using nlohmann::json;

namespace {

// One metric fed from a path of the status JSON.  `label` / `value`: the
// last path element becomes that label's value (one metric, many series).
struct StatusMetric {
    const char* path;  // "ingest/records"; "model/dropped/*" for every key under it
    const char* name;  // without the spin_ prefix
    Kind kind;
    const char* help;
    const char* label = nullptr;
};

const StatusMetric kStatus[] = {
    {"ingest/records", "ingest_records_total", Kind::counter, "Flow records read from the agents' digests."},
    {"ingest/counted", "ingest_counted_total", Kind::counter, "Flow records counted into traffic."},
    {"ingest/duplicates", "ingest_duplicates_total", Kind::counter, "Records of a flow another agent owns."},
    {"ingest/no_device", "ingest_no_device_total", Kind::counter, "Records with no LAN device to count them for."},
    {"ingest/takeovers", "ingest_takeovers_total", Kind::counter, "Flows one agent took over from another."},
    {"ingest/regressions", "ingest_regressions_total", Kind::counter, "Flow totals that went down."},
    {"ingest/flows_tracked", "ingest_flows_tracked", Kind::gauge, "Flows whose running totals are held now."},
    {"ingest/flows_restored", "ingest_flows_restored_total", Kind::counter, "Flows restored from the store at start."},
    {"ingest/agent_events", "ingest_agent_events_total", Kind::counter, "Events read from the agents."},
    {"ingest/events_refused", "ingest_events_refused_total", Kind::counter, "Agent events refused as not well formed."},
    {"model/devices", "model_devices", Kind::gauge, "Devices the model holds."},
    {"model/tentative", "model_tentative_devices", Kind::gauge, "Devices not confirmed yet (made-up MACs among them)."},
    {"model/devices_evicted", "model_devices_evicted_total", Kind::counter,
     "Tentative devices evicted by the cap on them."},
    {"model/devices_expired", "model_devices_expired_total", Kind::counter, "Tentative devices forgotten for silence."},
    {"model/dropped/*", "model_dropped_total", Kind::counter, "Identity items dropped past the per-device caps.",
     "what"},
    {"events/written", "events_written_total", Kind::counter, "Events written to the log."},
    {"events/suppressed", "events_suppressed_total", Kind::counter,
     "Events counted but not written (the per-minute budget)."},
    {"traffic/remotes_aggregated", "traffic_remotes_aggregated_total", Kind::counter,
     "Traffic rows folded into a device's \"*\" row."},
    {"traffic/destinations_pruned", "traffic_destinations_pruned_total", Kind::counter,
     "Destinations dropped from memory past 4096 per device."},
    {"traffic/behaviours_dropped", "traffic_behaviours_dropped_total", Kind::counter,
     "Shapes of behaviour not kept for learning (caps)."},
    {"store/batches", "store_batches_total", Kind::counter, "Batches committed to the store."},
    {"store/batches_failed", "store_batches_failed_total", Kind::counter, "Batches the store failed to commit."},
    {"store/batches_shed", "store_batches_shed_total", Kind::counter,
     "Batches shed because the disk fell a minute behind."},
    {"store/queued", "store_queued_batches", Kind::gauge, "Batches waiting for the store."},
    {"store/traffic_rows", "store_traffic_rows_total", Kind::counter, "Traffic rows written."},
    {"mud/devices", "mud_devices", Kind::gauge, "Devices with a MUD profile."},
    {"mud/profiles", "mud_profiles", Kind::gauge, "MUD profiles held."},
    {"mud/fetches", "mud_fetches_total", Kind::counter, "MUD fetches asked."},
    {"mud/fetch_failures", "mud_fetch_failures_total", Kind::counter, "MUD fetches the network failed."},
    {"mud/refused", "mud_refused_total", Kind::counter, "MUD files refused (invalid, badly signed, another signer)."},
    {"mud/url_changes", "mud_url_changes_total", Kind::counter, "Other MUD URLs announced by devices with a profile."},
    {"mud/compiles", "mud_compiles_total", Kind::counter, "MUD profiles compiled into policies."},
    {"mud/orders", "mud_orders_total", Kind::counter, "MUD policies ordered to the agents."},
    {"mud/quarantines", "mud_quarantines_total", Kind::counter, "Quarantines on a MUD violation."},
    {"mud/records", "mud_records_total", Kind::counter, "Flow records of devices with a policy."},
    {"mud/violations", "mud_violations_total", Kind::counter, "Distinct flows no MUD entry allows."},
    {"mud/violations_dropped", "mud_violations_dropped_total", Kind::counter,
     "MUD violations past 256 per device, counted only."},
    {"detect/findings", "detect_findings_total", Kind::counter, "Detector findings past a threshold."},
    {"detect/alerts", "detect_alerts_total", Kind::counter, "Alerts told."},
    {"detect/devices_dropped/*", "detect_devices_dropped_total", Kind::counter,
     "Devices a detector could not follow (its device cap).", "detector"},
    {"detect/peaks/*", "detect_peak", Kind::gauge,
     "The highest value any device reached, per measure (how near the thresholds traffic came).", "measure"},
    {"api/requests/*", "api_requests_total", Kind::counter, "HTTP requests the API answered, by status class.", "code"},
    {"api/streams", "api_streams", Kind::gauge, "Live streams (GET /api/v1/stream) open now."},
    {"export/ipfix/records", "ipfix_records_total", Kind::counter, "IPFIX data records sent to the collector."},
    {"export/ipfix/records_dropped", "ipfix_records_dropped_total", Kind::counter,
     "IPFIX data records the link refused (TCP down or behind, a failed send)."},
    {"export/ipfix/messages", "ipfix_messages_total", Kind::counter, "IPFIX messages sent."},
    {"export/ipfix/octets", "ipfix_octets_total", Kind::counter, "Bytes of IPFIX messages sent."},
    {"export/ipfix/template_sets", "ipfix_template_sets_total", Kind::counter, "IPFIX template sets sent."},
    {"export/ipfix/connects", "ipfix_connects_total", Kind::counter, "TCP connections made to the collector."},
    {"export/ipfix/errors", "ipfix_errors_total", Kind::counter, "Failures to connect or send to the collector."},
    {"export/ipfix/connected", "ipfix_connected", Kind::gauge, "1 while the collector can be sent to, else 0."},
    {"export/mqtt/connected", "mqtt_connected", Kind::gauge, "1 while the MQTT broker is connected, else 0."},
    {"export/mqtt/connects", "mqtt_connects_total", Kind::counter, "Connections made to the MQTT broker."},
    {"export/mqtt/published", "mqtt_published_total", Kind::counter, "MQTT messages handed to the broker."},
    {"export/mqtt/refused", "mqtt_refused_total", Kind::counter,
     "MQTT messages not sent (not connected, or too many waiting)."},
    {"export/mqtt/received_dropped", "mqtt_received_dropped_total", Kind::counter,
     "MQTT messages received and dropped (too large, or too many waiting)."},
    {"export/mqtt/devices", "mqtt_devices", Kind::gauge, "Devices announced to Home Assistant."},
    {"export/mqtt/devices_skipped", "mqtt_devices_skipped_total", Kind::counter,
     "Announcements left out past export.mqtt.max_devices."},
    {"export/mqtt/commands", "mqtt_commands_total", Kind::counter, "Quarantine switch commands obeyed."},
    {"export/mqtt/commands_refused", "mqtt_commands_refused_total", Kind::counter,
     "Quarantine switch commands refused (not ON or OFF, or a device not announced)."},
    {"export/mqtt/alerts", "mqtt_alerts_total", Kind::counter, "Alerts sent as Home Assistant events."},
    {"export/mqtt/rediscoveries", "mqtt_rediscoveries_total", Kind::counter,
     "Times Home Assistant announced itself and got the configs again."},
    {"export/mqtt/spin_feed/nodes", "mqtt_feed_nodes", Kind::gauge, "Nodes the SPIN 1.0 feed holds."},
    {"export/mqtt/spin_feed/nodes_deleted", "mqtt_feed_nodes_deleted_total", Kind::counter,
     "Remote nodes the feed forgot (its cap)."},
    {"export/mqtt/spin_feed/traffic_messages", "mqtt_feed_traffic_messages_total", Kind::counter,
     "SPIN/traffic traffic messages sent."},
    {"export/mqtt/spin_feed/flows_dropped", "mqtt_feed_flows_dropped_total", Kind::counter,
     "Flow entries left out of full traffic messages."},
    {"export/mqtt/spin_feed/packets_dropped", "mqtt_feed_packets_dropped_total", Kind::counter,
     "Packets of the flow entries left out."},
    {"export/mqtt/spin_feed/bytes_dropped", "mqtt_feed_bytes_dropped_total", Kind::counter,
     "Bytes of the flow entries left out."},
    {"export/mqtt/spin_feed/blocked_dropped", "mqtt_feed_blocked_dropped_total", Kind::counter,
     "Blocked messages left out past 100 an interval."},
    {"export/mqtt/spin_feed/dns_dropped", "mqtt_feed_dns_dropped_total", Kind::counter,
     "dnsquery messages left out past 100 an interval."},
};

// Per agent, from its status; labelled agent="ID".
struct AgentMetric {
    const char* field;
    const char* name;
    Kind kind;
    const char* help;
};

const AgentMetric kAgent[] = {
    {"connected", "agent_up", Kind::gauge, "1 while the agent's stream is heard, else 0."},
    {"boot", "agent_boot_timestamp_seconds", Kind::gauge, "When the agent's current run started."},
    {"last_seen", "agent_last_seen_timestamp_seconds", Kind::gauge, "When the agent was last heard."},
    {"batches", "agent_batches_total", Kind::counter, "Digest batches received."},
    {"records", "agent_records_total", Kind::counter, "Flow records received."},
    {"events", "agent_events_total", Kind::counter, "Events received."},
    {"digest_gaps", "agent_digest_gaps_total", Kind::counter, "Gaps in the digest sequence."},
    {"digests_lost", "agent_digests_lost_total", Kind::counter, "Digest batches lost on the way."},
    {"event_gaps", "agent_event_gaps_total", Kind::counter, "Gaps in the event sequence."},
    {"events_lost", "agent_events_lost_total", Kind::counter, "Events lost on the way."},
    {"bad_messages", "agent_bad_messages_total", Kind::counter, "Messages that could not be decoded."},
    {"restarts", "agent_restarts_total", Kind::counter, "Restarts of the agent seen."},
    {"rules", "agent_rules", Kind::gauge, "Rules in force at the agent (its last hello)."},
    {"rules_version", "agent_rules_version", Kind::gauge, "The agent's rules version (its last hello)."},
};

std::string number(const json& v) {
    if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    const double d = v.get<double>();
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", d);
}

const json* at(const json& doc, const std::string& path) {
    const json* j = &doc;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = std::min(path.find('/', start), path.size());
        const std::string key = path.substr(start, slash - start);
        if (!j->is_object() || !j->contains(key)) return nullptr;
        j = &(*j)[key];
        start = slash + 1;
    }
    return j;
}

void leaves(const json& j, const std::string& path, std::set<std::string>& out) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) leaves(v, path.empty() ? k : path + "/" + k, out);
    } else if (j.is_number() || j.is_boolean()) {
        out.insert(path);
    }
}

}  // namespace

std::string prometheus_text(const json& status, const json& agents, std::vector<std::string>* unmapped) {
    std::string out;
    std::set<std::string> used;
    for (const StatusMetric& m : kStatus) {
        const std::string path = m.path;
        const bool many = path.size() > 2 && path.compare(path.size() - 2, 2, "/*") == 0;
        const json* v = at(status, many ? path.substr(0, path.size() - 2) : path);
        if (v == nullptr) continue;
        header(out, m.name, m.kind, m.help);
        if (!many) {
            if (!v->is_number() && !v->is_boolean()) continue;
            out += fmt::format("spin_{} {}\n", m.name, number(*v));
            used.insert(path);
            continue;
        }
        for (const auto& [key, value] : v->items()) {
            if (!value.is_number()) continue;
            out += fmt::format("spin_{}{{{}=\"{}\"}} {}\n", m.name, m.label, label_value(key), number(value));
            used.insert(path.substr(0, path.size() - 1) + key);
        }
    }
    // The store's last error, as a 0 / 1 a rule can alert on (the text is in the status).
    if (const json* e = at(status, "store/error"); e != nullptr && e->is_string()) {
        header(out, "store_error", Kind::gauge, "1 while the store's last batch failed, else 0.");
        out += fmt::format("spin_store_error {}\n", e->get<std::string>().empty() ? 0 : 1);
    }
    for (const AgentMetric& m : kAgent) {
        header(out, m.name, m.kind, m.help);
        for (const auto& a : agents) {
            if (!a.is_object() || !a.contains(m.field)) continue;
            const json& v = a[m.field];
            if (!v.is_number() && !v.is_boolean()) continue;  // null: not heard yet
            out += fmt::format("spin_{}{{agent=\"{}\"}} {}\n", m.name, label_value(a.value("id", "")), number(v));
        }
    }
    if (unmapped != nullptr) {
        std::set<std::string> all;
        leaves(status, "", all);
        for (const auto& p : all)
            if (!used.count(p)) unmapped->push_back(p);
    }
    return out;
}

}  // namespace spin::controller
