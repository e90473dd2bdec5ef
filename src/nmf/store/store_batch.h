// What the ingest hands the store once a second: everything learnt since the
// last batch, written in one transaction (so a crash loses a whole second or
// nothing, never half of one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/store/open_flows.h"
#include "nmf/store/traffic.h"

namespace spin::nmf {

struct TrafficRow {
    std::string mac, remote_ip;
    int proto = 0, remote_port = 0;
    int64_t minute = 0;  // start of the minute bucket, seconds since the epoch
    TrafficCounters counters;
};

struct DeviceRow {
    std::string mac;
    double first_seen = 0, last_seen = 0;
    std::string doc;  // device_to_json
};

struct NameRow {
    std::string mac, remote_ip, name;
    double first_seen = 0, last_seen = 0, expires = 0;
};

struct DestinationRow {
    std::string mac, remote_ip;
    double first_seen = 0, last_seen = 0;
};

// One shape of what a device does (nmf/ingest/behaviours.h): who opened
// flows with a remote over a protocol, and the service port: the remote's
// when the device opened them, the device's own when the remote did; for
// ICMP, the first message type.  Counters add up; times widen.
struct BehaviourRow {
    std::string mac, remote_ip;
    int proto = 0;
    std::string opener;  // "device" or "remote"
    int port = 0;
    double first_seen = 0, last_seen = 0;
    TrafficCounters counters;  // flows, packets and bytes each way (blocked_pkts unused)
};

// An NMF event (docs/api.md, "Events"); `doc` is the whole event object and
// repeats time, type, device and agent, which are also columns for queries.
struct EventRow {
    double time = 0;
    std::string type, device, agent;
    nlohmann::json doc;
};

struct AgentRow {
    std::string id;
    nlohmann::json doc;
};

struct StoreBatch {
    std::vector<TrafficRow> traffic;
    std::vector<DeviceRow> devices;
    std::vector<NameRow> names;
    std::vector<DestinationRow> destinations;
    std::vector<EventRow> events;
    std::vector<AgentRow> agents;
    std::vector<BehaviourRow> behaviours;
    // The accounting state the traffic above leaves (open_flows.h): flows
    // forgotten since the last batch are deleted, then changed ones written.
    std::vector<FlowTuple> closed_flows;
    std::vector<OpenFlowRow> open_flows;
    // Tentative devices the model forgot (nmf/model/device_model.h): their
    // rows go, traffic and names included, after everything above.
    std::vector<std::string> devices_removed;

    bool empty() const {
        return traffic.empty() && devices.empty() && names.empty() && destinations.empty() && events.empty() &&
               agents.empty() && behaviours.empty() && closed_flows.empty() && open_flows.empty() &&
               devices_removed.empty();
    }
};

}  // namespace spin::nmf
