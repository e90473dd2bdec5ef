// export.mqtt: SPIN on an MQTT broker, for Home Assistant (discovery, states,
// a quarantine switch, alerts as events; home_assistant.h) and, with
// spin_feed, for SPIN 1.0's clients (spin_feed.h).  Lives on the ingest
// thread: it reads the device model and orders quarantines through the
// block manager there; the client (mqtt_client.h) does the network on its
// own thread, so the ingest loop never waits for the broker.
//
// Only confirmed devices are announced (a MAC a device made up is not one
// to show), at most max_devices of them: a device spoofing MACs cannot fill
// Home Assistant.  A switch command is obeyed for an announced device only,
// and its payload is ON or OFF, nothing else.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "controller/block_manager.h"
#include "controller/export/export_config.h"
#include "controller/export/home_assistant.h"
#include "controller/export/mqtt_client.h"
#include "controller/export/spin_feed.h"
#include "nmf/ingest/alert.h"
#include "nmf/model/device_model.h"
#include "proto/events.h"

namespace spin::controller {

class MqttExporter {
public:
    MqttExporter(const MqttConfig& config, const nmf::DeviceModel& model, BlockManager& blocks);

    void on_flow(const proto::FlowRecord& r, const nmf::TrafficCounters& added);
    void on_event(const proto::Event& e);
    void on_alert(const nmf::Alert& a);
    // Commands, states, the feed; call every loop (it keeps its own intervals).
    void tick(double now);
    nlohmann::json stats() const;

private:
    void publish(const MqttMessage& m);
    // Announces a confirmed device (if there is room); true if it is announced.
    bool announce(const nmf::Device& d);
    void announce_new_devices();
    void publish_states(double now, bool all);
    // Every announced device's configs again, then its states (a new connection, Home Assistant's birth).
    void rediscover(double now);
    void on_command(const std::string& object_id, const std::string& payload, double now);
    // The id of the quarantine block in force for the device, 0 if none.
    int64_t quarantine_in_force(const std::string& mac) const;

    MqttConfig config_;
    const nmf::DeviceModel& model_;
    BlockManager& blocks_;
    std::optional<HomeAssistant> ha_;
    std::optional<SpinFeed> feed_;
    std::unique_ptr<MqttClient> client_;  // last: its thread stops before the rest goes

    double now_ = 0, last_states_ = 0, last_feed_ = 0, connected_at_ = 0, last_rediscovery_ = -1e18;
    bool cleaning_ = false;                                              // clearing an earlier run's retained nodes
    bool rediscovery_asked_ = false;                                     // homeassistant/status said online
    std::map<std::string, std::string> announced_;                       // object id -> MAC
    std::unordered_set<uint64_t> announced_macs_;                        // the same MACs, for the per-record path
    std::map<std::string, std::string> last_state_;                      // topic -> payload last published
    std::unordered_map<uint64_t, std::pair<uint64_t, uint64_t>> bytes_;  // MAC -> up, down since last states
    uint64_t published_ = 0, refused_ = 0, commands_ = 0, commands_refused_ = 0, devices_skipped_ = 0, alerts_ = 0,
             rediscoveries_ = 0;
};

}  // namespace spin::controller
