#include "controller/export/prometheus_detail.h"

#include <fmt/format.h>

#include "controller/export/prometheus_format.h"
#include "dataplane/worker_stats.h"

namespace spin::controller {

namespace {

// The stage as a number, so that a rule can say `spin_device_stage >= 1`.
int stage_number(const std::string& stage) {
    if (stage == "alert") return 1;
    if (stage == "restrict") return 2;
    if (stage == "quarantine") return 3;
    return 0;
}

uint64_t counter(const proto::WorkerCounters& w, const std::string& name) {
    const auto it = w.counters.find(name);
    return it == w.counters.end() ? 0 : it->second;
}

}  // namespace

std::string agent_counters_text(const std::vector<AgentStats>& agents) {
    std::string out;
    // Per worker: dataplane/worker_stats.h's counters, named as the agent names them.
    const auto per_worker = [&](const std::string& name, bool by_side, const char* help) {
        const bool gauge = name == "flows_active";  // set, not counted
        const std::string metric = "agent_worker_" + name + (gauge ? "" : "_total");
        header(out, metric, gauge ? Kind::gauge : Kind::counter, help);
        for (const AgentStats& a : agents) {
            if (a.stats == nullptr) continue;
            for (const proto::WorkerCounters& w : a.stats->workers) {
                if (!by_side) {
                    out += fmt::format("spin_{}{{agent=\"{}\",worker=\"{}\"}} {}\n", metric, label_value(a.agent),
                                       w.worker, counter(w, name));
                    continue;
                }
                for (const char* side : {"lan", "wan"})
                    out +=
                        fmt::format("spin_{}{{agent=\"{}\",worker=\"{}\",side=\"{}\"}} {}\n", metric,
                                    label_value(a.agent), w.worker, side, counter(w, std::string(side) + "_" + name));
            }
        }
    };
#define SPIN_SIDE_METRIC(name, meaning) per_worker(#name, true, meaning);
#define SPIN_WORKER_METRIC(name, meaning) per_worker(#name, false, meaning);
    SPIN_SIDE_COUNTERS(SPIN_SIDE_METRIC)
    SPIN_WORKER_COUNTERS(SPIN_WORKER_METRIC)
#undef SPIN_SIDE_METRIC
#undef SPIN_WORKER_METRIC

    struct PortField {
        const char* name;
        uint64_t proto::PortCounters::*field;
        const char* help;
    };
    static const PortField kPort[] = {
        {"rx_packets", &proto::PortCounters::rx_packets, "Frames the port received (its driver's count)."},
        {"tx_packets", &proto::PortCounters::tx_packets, "Frames the port sent."},
        {"rx_bytes", &proto::PortCounters::rx_bytes, "Bytes the port received."},
        {"tx_bytes", &proto::PortCounters::tx_bytes, "Bytes the port sent."},
        {"rx_missed", &proto::PortCounters::rx_missed, "Frames the port dropped: no room in its queues."},
        {"rx_errors", &proto::PortCounters::rx_errors, "Frames received in error."},
        {"tx_errors", &proto::PortCounters::tx_errors, "Frames the port failed to send."},
        {"rx_nombuf", &proto::PortCounters::rx_nombuf, "Frames dropped for want of an mbuf."},
    };
    for (const PortField& f : kPort) {
        header(out, fmt::format("agent_port_{}_total", f.name), Kind::counter, f.help);
        for (const AgentStats& a : agents) {
            if (a.stats == nullptr) continue;
            for (const proto::PortCounters& p : a.stats->ports)
                out += fmt::format("spin_agent_port_{}_total{{agent=\"{}\",port=\"{}\"}} {}\n", f.name,
                                   label_value(a.agent), label_value(p.port), p.*f.field);
        }
    }
    for (const bool bytes : {false, true}) {
        const std::string metric = bytes ? "agent_rule_dropped_bytes_total" : "agent_rule_dropped_packets_total";
        header(out, metric, Kind::counter,
               bytes ? "Bytes of the frames the rule dropped." : "Frames the rule dropped (the rule by its id).");
        for (const AgentStats& a : agents) {
            if (a.stats == nullptr) continue;
            for (const proto::RuleCounters& r : a.stats->rules)
                out += fmt::format("spin_{}{{agent=\"{}\",rule=\"{}\"}} {}\n", metric, label_value(a.agent), r.id,
                                   bytes ? r.bytes : r.pkts);
        }
    }
    return out;
}

std::string device_text(const std::vector<DeviceSeries>& devices, uint64_t untracked) {
    std::string out;
    struct Field {
        const char* name;
        Kind kind;
        const char* help;
        double (*value)(const DeviceSeries&);
    };
    static const Field kDevice[] = {
        {"device_sent_bytes_total", Kind::counter, "Bytes the device sent, since the controller started.",
         [](const DeviceSeries& d) { return static_cast<double>(d.totals.bytes_out); }},
        {"device_received_bytes_total", Kind::counter, "Bytes the device received.",
         [](const DeviceSeries& d) { return static_cast<double>(d.totals.bytes_in); }},
        {"device_sent_packets_total", Kind::counter, "Frames the device sent.",
         [](const DeviceSeries& d) { return static_cast<double>(d.totals.pkts_out); }},
        {"device_received_packets_total", Kind::counter, "Frames the device received.",
         [](const DeviceSeries& d) { return static_cast<double>(d.totals.pkts_in); }},
        {"device_flows_total", Kind::counter, "Flows of the device.",
         [](const DeviceSeries& d) { return static_cast<double>(d.totals.flows); }},
        {"device_blocked_packets_total", Kind::counter, "Frames of the device SPIN dropped.",
         [](const DeviceSeries& d) { return static_cast<double>(d.totals.blocked_pkts); }},
        {"device_last_seen_timestamp_seconds", Kind::gauge, "When the device was last seen.",
         [](const DeviceSeries& d) { return d.last_seen; }},
        {"device_stage", Kind::gauge, "The reverse firewall's stage: 0 none, 1 alert, 2 restrict, 3 quarantine.",
         [](const DeviceSeries& d) { return static_cast<double>(stage_number(d.stage)); }},
    };
    for (const Field& f : kDevice) {
        header(out, f.name, f.kind, f.help);
        for (const DeviceSeries& d : devices)
            out += fmt::format("spin_{}{{mac=\"{}\"}} {}\n", f.name, label_value(d.mac), f.value(d));
    }
    header(out, "device_untracked_records_total", Kind::counter,
           "Records of MACs past the 4096 the per-device series follow.");
    out += fmt::format("spin_device_untracked_records_total {}\n", untracked);
    return out;
}

}  // namespace spin::controller
