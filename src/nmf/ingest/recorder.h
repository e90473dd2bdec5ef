// The NMF's input side: the agents' digests and events go in, the device
// model and the traffic accounting are kept up to date, and once a second
// take_batch() hands the store everything new (traffic rows, changed
// devices, learnt names, new destinations, NMF events).  Used from one thread
// (the controller's ingest loop); knows nothing of sockets.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/ingest/flow_accounting.h"
#include "nmf/model/device_model.h"
#include "nmf/store/model_rows.h"
#include "nmf/store/store_batch.h"
#include "proto/digest_batch.h"
#include "proto/events.h"

namespace spin::nmf {

struct RecorderStats {
    uint64_t digest_records = 0;
    uint64_t agent_events = 0;
    uint64_t events_refused = 0;  // agent events that do not read as docs/protocol.md's (proto::parse_event)
    uint64_t model_changes = 0;
    uint64_t nmf_events = 0;
};

class Recorder {
public:
    explicit Recorder(const OuiDatabase* oui) : model_(oui) {}

    void on_digest(const proto::DigestBatch& batch);
    // One agent event as published (docs/protocol.md, "Events").
    void on_agent_event(const proto::Event& event);
    // The same of an event's JSON: one that does not read as an event is counted (events_refused).
    void on_agent_event(const nlohmann::json& event);
    // An event of the controller itself (agent joined, block, ...): stored
    // and streamed as is.  `doc` gets time, type, device and agent added.
    void note(const std::string& type, double time, const std::string& device, const std::string& agent,
              nlohmann::json doc = nlohmann::json::object());
    void set_agent(const std::string& id, const nlohmann::json& doc);

    // Everything since the last call.
    StoreBatch take_batch();

    // Restart: reloads the devices, names, destinations and open flows the store kept;
    // returns the number of devices.
    size_t restore(const StoredModel& stored);
    const DeviceModel& model() const { return model_; }

    const AccountingStats& accounting() const { return accounting_.stats(); }
    const RecorderStats& stats() const { return stats_; }

private:
    struct Touch {  // what a device's flows said since the last batch
        double first = 0, last = 0;
        std::vector<std::array<uint8_t, 17>> lan_ips;  // version byte + address
        std::vector<uint32_t> agents;
    };
    struct Destination {
        double first = 0, last = 0;
    };

    uint32_t agent_index(const std::string& id);
    void touch(uint32_t agent, const proto::FlowRecord& r);

    DeviceModel model_;
    FlowAccounting accounting_;
    std::vector<std::string> agent_names_;
    std::unordered_map<std::string, uint32_t> agent_index_;
    std::unordered_map<uint64_t, Touch> touches_;
    std::map<std::pair<std::string, std::string>, Destination> destinations_;     // (mac, remote_ip)
    std::map<std::tuple<std::string, std::string, std::string>, NameRow> names_;  // pending
    std::vector<EventRow> events_;
    std::map<std::string, nlohmann::json> agents_;  // pending agent documents
    RecorderStats stats_;
    uint64_t batches_ = 0;
};

}  // namespace spin::nmf
