// The NMF's input side: the agents' digests and events go in, the device
// model and the traffic accounting are kept up to date, and once a second
// take_batch() hands the store everything new (traffic rows, changed
// devices, learnt names, new destinations, NMF events).  Used from one thread
// (the controller's ingest loop); knows nothing of sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/detect/detection.h"
#include "nmf/ingest/alert.h"
#include "nmf/ingest/behaviours.h"
#include "nmf/ingest/event_budget.h"
#include "nmf/ingest/flow_accounting.h"
#include "nmf/ingest/mud_conformance.h"
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
    uint64_t remotes_aggregated = 0;   // traffic rows folded into a device's "*" row (a scan)
    uint64_t destinations_pruned = 0;  // remembered destinations a device's cap pushed out
};

// How many traffic rows one device's minute may have (controller.yaml,
// store.rows_per_device_minute and store.new_remotes_per_device_minute).
struct RowLimits {
    size_t rows = 512;          // remote x protocol x port rows of its own
    uint32_t new_remotes = 64;  // of which for remotes it never had before
};

// What a hostile device can make the recorder hold or write is bounded:
// devices (DeviceLimits: tentative ones expire), names and addresses per
// device (DeviceLimits), events (EventBudget), and traffic rows (RowLimits):
// the rest of a device's minute goes to one row per protocol with remote
// "*" (a scan is a line, not a million), and at most kDestinationsPerDevice
// destinations per device are remembered (the one seen longest ago goes).
class Recorder {
public:
    static constexpr size_t kDestinationsPerDevice = 4096;
    // An agent's alert larger than this (evidence as JSON text, message) is refused (events_refused).
    static constexpr size_t kMaxAlertEvidence = 16384, kMaxAlertMessage = 2048;

    explicit Recorder(const OuiDatabase* oui, DeviceLimits limits = {}, EventBudget budget = EventBudget::home(),
                      RowLimits rows = {}, const DetectConfig& detect = {})
        : model_(oui, limits),
          detection_(detect, [this](Alert a) { alert(std::move(a)); }),
          budget_(std::move(budget)),
          row_limits_(rows) {}

    void on_digest(const proto::DigestBatch& batch);
    // Told of every record that added traffic, with what it added (a flow
    // another agent owns adds nothing): the controller's flow exports.
    using FlowObserver =
        std::function<void(const std::string& agent, const proto::FlowRecord& record, const TrafficCounters& added)>;
    void set_flow_observer(FlowObserver observer) { flow_observer_ = std::move(observer); }
    // Told of every well-formed agent event, as it arrives.
    using EventObserver = std::function<void(const proto::Event& event)>;
    void set_event_observer(EventObserver observer) { event_observer_ = std::move(observer); }
    // One agent event as published (docs/protocol.md, "Events").
    void on_agent_event(const proto::Event& event);
    // The same of an event's JSON: one that does not read as an event is counted (events_refused).
    void on_agent_event(const nlohmann::json& event);
    // An event of the controller itself (agent joined, block, ...): stored
    // and streamed as is.  `doc` gets time, type, device and agent added.
    void note(const std::string& type, double time, const std::string& device, const std::string& agent,
              nlohmann::json doc = nlohmann::json::object());
    void set_agent(const std::string& id, const nlohmann::json& doc);
    // The reverse firewall's stage of a device (in its JSON, and stored); false if the model has no such device.
    bool set_stage(const std::string& mac, const std::string& stage) { return model_.set_stage(mac, stage); }
    // The user said something about the device: it is no longer tentative.
    void confirm_device(const std::string& mac) { model_.confirm(mac); }

    // Everything since the last call.  `wall_now`: the controller's clock,
    // which tentative devices' silence is measured by (docs/api.md,
    // "Devices"); without it, packet time.
    StoreBatch take_batch(std::optional<double> wall_now = std::nullopt);

    // An alert (an agent's reflex, a detector): stored as an `alert` event
    // and kept for take_alerts().
    void alert(Alert a);
    // The alerts since the last call, oldest first.
    std::vector<Alert> take_alerts() { return std::exchange(alerts_, {}); }

    // Restart: reloads the devices, names, destinations and open flows the store kept;
    // returns the number of devices.
    size_t restore(const StoredModel& stored);
    const DeviceModel& model() const { return model_; }

    // Devices held to MUD policies: their records feed it, and each new
    // violation is a mud_violation event (with the names the device
    // resolved for the remote).
    MudConformance& conformance() { return conformance_; }
    // The DNS names the device resolved for the remote, as a JSON list.
    nlohmann::json resolved_names(const std::string& mac, const std::string& remote_ip) const;
    const MudConformance& conformance() const { return conformance_; }

    const Detection& detection() const { return detection_; }
    const AccountingStats& accounting() const { return accounting_.stats(); }
    // Shapes past the caps (Behaviours::kShapesPerDevice, kShapes), not kept.
    uint64_t behaviours_dropped() const { return behaviours_.dropped(); }
    const RecorderStats& stats() const { return stats_; }
    uint64_t events_suppressed() const { return budget_.suppressed(); }

private:
    struct Touch {  // what a device's flows said since the last batch
        double first = 0, last = 0;
        std::vector<std::array<uint8_t, 17>> lan_ips;  // version byte + address
        std::vector<uint32_t> agents;
        bool answered = false;  // a flow with packets from the remote
    };
    struct Destination {
        double first = 0, last = 0;
    };

    uint32_t agent_index(const std::string& id);
    void touch(uint32_t agent, const proto::FlowRecord& r);
    void note_violation(const MudViolation& v, const std::string& agent);
    // Forgets what the recorder holds of a device the model forgot.
    void forget(const std::string& mac);
    // Remembers a destination; at the device's cap the one seen longest ago goes.
    Destination& remember(const std::pair<std::string, std::string>& key, const Destination& seen, bool& fresh);
    void traffic_rows(const FlowAccounting::Pending& pending, StoreBatch& batch);

    DeviceModel model_;
    FlowAccounting accounting_;
    MudConformance conformance_;
    Behaviours behaviours_;
    Detection detection_;
    std::vector<std::string> agent_names_;
    std::unordered_map<std::string, uint32_t> agent_index_;
    std::unordered_map<uint64_t, Touch> touches_;
    std::map<std::pair<std::string, std::string>, Destination> destinations_;  // (mac, remote_ip)
    std::unordered_map<std::string, size_t> destinations_per_device_;
    struct MinuteRows {  // what one device's traffic of one minute was given rows for
        uint32_t new_remotes = 0;
        std::unordered_set<uint64_t> keys;  // hashes of remote x protocol x port
    };
    std::map<std::pair<uint64_t, int64_t>, MinuteRows> minute_rows_;              // (mac, minute)
    std::map<std::tuple<std::string, std::string, std::string>, NameRow> names_;  // pending
    std::vector<EventRow> events_;
    std::vector<Alert> alerts_;
    std::map<std::string, nlohmann::json> agents_;  // pending agent documents
    RecorderStats stats_;
    EventBudget budget_;
    RowLimits row_limits_;
    FlowObserver flow_observer_;
    EventObserver event_observer_;
    double newest_ = 0;  // packet time: the latest event or record
    uint64_t batches_ = 0;
};

}  // namespace spin::nmf
