// Home Assistant's MQTT discovery for SPIN's devices: what to publish so that
// each device appears in Home Assistant with
//   - a device_tracker (home / not_home from when SPIN last saw it),
//   - a switch that quarantines it (its commands go through the
//     controller's block manager, like the API's),
//   - sensors for its upload and download rates and its reverse-firewall stage,
//   - an event entity that fires on each alert.
// Pure: topics and JSON payloads from a device; the exporter publishes them.
#pragma once

#include <string>
#include <vector>

#include "nmf/ingest/alert.h"
#include "nmf/model/device_model.h"

namespace spin::controller {

struct MqttMessage {
    std::string topic, payload;
    bool retain = false;
    // MQTT orders messages only within one QoS: a stream whose order
    // matters (the SPIN feed's nodes before the traffic naming them) keeps to one.
    int qos = 0;
};

class HomeAssistant {
public:
    // `discovery_prefix`: Home Assistant's (homeassistant); `base`: SPIN's own
    // topics (spin), under which states, commands and availability live.
    HomeAssistant(std::string discovery_prefix, std::string base)
        : prefix_(std::move(discovery_prefix)), base_(std::move(base)) {}

    // The device's id in topics and unique ids: its MAC without colons.
    static std::string object_id(const std::string& mac);
    // A name for a person: the device's host name, else its vendor and the
    // end of its MAC, else the MAC.
    static std::string display_name(const nmf::Device& d);

    // Retained configs: one per entity.
    std::vector<MqttMessage> discovery(const nmf::Device& d) const;

    // The states, retained.  `away_after`: seconds of silence after which
    // the device is not_home; rates in bytes a second.
    struct State {
        bool quarantined = false;
        double upload = 0, download = 0;
    };
    std::vector<MqttMessage> states(const nmf::Device& d, const State& s, double now, double away_after) const;
    // An alert as the event entity's payload (not retained).
    MqttMessage alert(const nmf::Alert& a) const;

    // SPIN's availability (retained; the last will says offline).
    std::string availability_topic() const { return base_ + "/status"; }
    // The topics the quarantine switches' commands arrive on (a filter to subscribe to).
    std::string command_topic_filter() const { return base_ + "/+/quarantine/set"; }
    // The object id a command topic names, or "" when it is not a command topic.
    std::string commanded(const std::string& topic) const;
    std::string status_topic() const { return prefix_ + "/status"; }

private:
    std::string topic(const std::string& mac, const std::string& leaf) const;

    std::string prefix_, base_;
};

}  // namespace spin::controller
