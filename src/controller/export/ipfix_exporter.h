// export.ipfix: the agents' flows to an IPFIX collector (nfcapd, for one).
// Each agent is an observation domain of its own (its place in the
// controller's agent list, from 1), with its own sequence numbers and
// templates.  Fed on the ingest thread with what each record added to the
// traffic (so a flow two agents see is exported once), it never blocks:
// a message leaves when full or `max_delay` after its first record, and
// what the link refuses is counted, not queued.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/export/collector_link.h"
#include "controller/export/export_config.h"
#include "controller/export/ipfix_message.h"

namespace spin::controller {

class IpfixExporter {
public:
    // `agents`: the controller's agent ids, in configuration order.
    IpfixExporter(const IpfixConfig& config, const std::vector<std::string>& agents, double now);

    // Times are the last tick's: a record costs no clock reading.
    void on_flow(const std::string& agent, const proto::FlowRecord& r, const nmf::TrafficCounters& delta);
    // Sends what waited long enough, re-sends templates, keeps TCP going.
    void tick(double now);
    // Sends everything held (at exit).
    void flush(double now);
    nlohmann::json stats() const;

private:
    struct Domain {
        explicit Domain(uint32_t id, size_t max_size) : id(id), builder(id, max_size) {}
        uint32_t id;
        ipfix::MessageBuilder builder;
        bool with_templates = false;  // the message being built begins with them
        uint32_t sequence = 0;        // data records sent before the next message
        double first_record = 0;
        double templates_sent = -1e18;
        bool templates_due = true;
    };
    void send(Domain& d, double now);
    // A message of the templates alone, for a connection that came up while a message was being built.
    void send_templates(Domain& d, double now);
    void start_message(Domain& d, double now);

    IpfixConfig config_;
    CollectorLink link_;
    std::map<std::string, Domain> domains_;  // by agent id
    double now_;
    uint64_t records_ = 0, records_dropped_ = 0, messages_ = 0, octets_ = 0, templates_ = 0;
};

}  // namespace spin::controller
