// How each device with a MUD policy behaves against it, from the agents'
// flow records: every record carries, per direction, which entry of the
// device's policy decided its flow (proto/flow_record.h, mud_out / mud_in).
// What the record added (flow accounting's delta: one count per flow
// however many agents report it) goes to the entry (ACE) that allowed it; a flow no
// entry allows is a violation, remembered once per distinct remote,
// protocol, port and direction however many packets it has.  Used from the
// ingest thread; knows nothing of where policies come from.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/store/traffic.h"
#include "proto/flow_record.h"
#include "proto/policy.h"

namespace spin::nmf {

struct MudViolation {
    std::string mac, remote_ip;
    uint8_t proto = 0;
    uint16_t remote_port = 0, device_port = 0;
    std::string direction;  // "out": the device opened it; "in": the remote did
    uint64_t pkts = 0, bytes = 0, dropped_pkts = 0;
    double first = 0, last = 0;  // packet time
};

// remote_ip, proto, remote_port, device_port, direction, pkts, bytes, dropped_pkts, first, last.
nlohmann::json to_json(const MudViolation& v);

class MudConformance {
public:
    static constexpr size_t kViolationsPerDevice = 256;

    // The policy the agents now hold for the device.  Counters are kept per
    // ACE name, so a recompiled policy keeps them; `fresh` starts over (a
    // new profile: its violations and counters are its own).
    void set_policy(const proto::DevicePolicy& policy, bool fresh);
    void clear(const std::string& mac);
    bool has(const std::string& mac) const { return devices_.count(mac) != 0; }

    // One record and what flow accounting found it added.  A violation seen
    // for the first time is returned (valid until take_new).
    const MudViolation* on_record(const proto::FlowRecord& r, const TrafficCounters& added);
    // Violations seen for the first time since the last call.
    std::vector<MudViolation> take_new();

    // {"verdict", "violations": [...], "violations_dropped", "aces": [...], "network_services": {...}}.
    nlohmann::json to_json(const std::string& mac) const;
    bool violating(const std::string& mac) const;

    struct Stats {
        uint64_t records = 0, violations = 0, violations_dropped = 0;
    };
    const Stats& stats() const { return stats_; }

private:
    struct Counter {
        uint64_t pkts = 0, bytes = 0;
    };
    using ViolationKey = std::tuple<std::string, uint8_t, uint16_t, bool>;  // remote, proto, port, in
    struct DeviceState {
        std::vector<std::pair<std::string, std::string>> entries;  // (acl, ace) per policy entry
        std::map<std::pair<std::string, std::string>, Counter> aces;
        Counter services;
        std::map<ViolationKey, MudViolation> violations;
        uint64_t violations_dropped = 0;
    };

    void count(DeviceState& d, uint16_t verdict, uint64_t pkts, uint64_t bytes);

    std::map<std::string, DeviceState> devices_;
    std::vector<MudViolation> new_;
    Stats stats_;
};

}  // namespace spin::nmf
