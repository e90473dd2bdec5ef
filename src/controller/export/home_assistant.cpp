#include "controller/export/home_assistant.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "nmf/detect/detect_config.h"

namespace spin::controller {

using nlohmann::json;

std::string HomeAssistant::object_id(const std::string& mac) {
    std::string id;
    for (const char c : mac)
        if (c != ':') id += c;
    return id;
}

std::string HomeAssistant::display_name(const nmf::Device& d) {
    if (!d.hostname.empty()) return d.hostname;
    if (!d.mdns_hostnames.empty()) return *d.mdns_hostnames.begin();
    if (!d.vendor.name.empty() && d.mac.size() == 17) return d.vendor.name + " " + d.mac.substr(9);
    return d.mac;
}

std::string HomeAssistant::topic(const std::string& mac, const std::string& leaf) const {
    return base_ + "/" + object_id(mac) + "/" + leaf;
}

std::string HomeAssistant::commanded(const std::string& t) const {
    const std::string head = base_ + "/", tail = "/quarantine/set";
    if (t.size() <= head.size() + tail.size() || t.compare(0, head.size(), head) != 0 ||
        t.compare(t.size() - tail.size(), tail.size(), tail) != 0)
        return "";
    const std::string id = t.substr(head.size(), t.size() - head.size() - tail.size());
    return id.size() == 12 && id.find_first_not_of("0123456789abcdef") == std::string::npos ? id : "";
}

std::vector<MqttMessage> HomeAssistant::discovery(const nmf::Device& d) const {
    const std::string id = object_id(d.mac);
    json device{{"identifiers", json::array({"spin_" + id})},
                {"connections", json::array({json::array({"mac", d.mac})})},
                {"name", display_name(d)}};
    if (!d.vendor.name.empty()) device["manufacturer"] = d.vendor.name;
    const json common{{"availability_topic", availability_topic()}, {"device", device}};
    std::vector<MqttMessage> out;
    const auto add = [&](const std::string& component, const std::string& entity, json config) {
        config.update(common);
        config["unique_id"] = "spin_" + id + "_" + entity;
        out.push_back({prefix_ + "/" + component + "/spin_" + id + "/" + entity + "/config", config.dump(), true, 1});
    };
    add("device_tracker", "presence",
        {{"name", nullptr},
         {"state_topic", topic(d.mac, "presence")},
         {"payload_home", "home"},
         {"payload_not_home", "not_home"},
         {"source_type", "router"},
         {"json_attributes_topic", topic(d.mac, "attributes")}});
    add("switch", "quarantine",
        {{"name", "Quarantine"},
         {"icon", "mdi:shield-lock"},
         {"command_topic", topic(d.mac, "quarantine/set")},
         {"state_topic", topic(d.mac, "quarantine")},
         {"payload_on", "ON"},
         {"payload_off", "OFF"}});
    for (const char* direction : {"upload", "download"})
        add("sensor", direction,
            {{"name", direction == std::string("upload") ? "Upload" : "Download"},
             {"state_topic", topic(d.mac, "state")},
             {"value_template", std::string("{{ value_json.") + direction + " }}"},
             {"unit_of_measurement", "B/s"},
             {"device_class", "data_rate"},
             {"state_class", "measurement"}});
    add("sensor", "stage",
        {{"name", "SPIN stage"},
         {"icon", "mdi:shield-alert"},
         {"state_topic", topic(d.mac, "state")},
         {"value_template", "{{ value_json.stage }}"},
         {"device_class", "enum"},
         {"options", json::array({"none", "alert", "restrict", "quarantine"})}});
    add("event", "alert",
        {{"name", "Alert"}, {"state_topic", topic(d.mac, "alert")}, {"event_types", nmf::detector_names()}});
    return out;
}

std::vector<MqttMessage> HomeAssistant::states(const nmf::Device& d, const State& s, double now,
                                               double away_after) const {
    const bool home = d.seen.last > 0 && now - d.seen.last < away_after;
    json attributes{{"mac", d.mac}, {"last_seen", d.seen.last}, {"ip", json::array()}};
    for (const auto& [ip, record] : d.ips) attributes["ip"].push_back(ip);
    if (!d.vendor.name.empty()) attributes["vendor"] = d.vendor.name;
    if (!d.hostname.empty()) attributes["host_name"] = d.hostname;
    // Whole bytes a second: a sensor's history need not move for a fraction.
    const json state{{"upload", std::llround(s.upload)}, {"download", std::llround(s.download)}, {"stage", d.stage}};
    return {{topic(d.mac, "presence"), home ? "home" : "not_home", true, 1},
            {topic(d.mac, "quarantine"), s.quarantined ? "ON" : "OFF", true, 1},
            {topic(d.mac, "state"), state.dump(), true, 1},
            {topic(d.mac, "attributes"), attributes.dump(), true, 1}};
}

MqttMessage HomeAssistant::alert(const nmf::Alert& a) const {
    return {topic(a.device, "alert"),
            json{{"event_type", a.detector}, {"stage", a.stage}, {"message", a.message}, {"time", a.time}}.dump(),
            false, 1};
}

}  // namespace spin::controller
