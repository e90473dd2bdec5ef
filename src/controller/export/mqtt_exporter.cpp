#include "controller/export/mqtt_exporter.h"

#include "common/log.h"
#include "common/mac_address.h"
#include "controller/controller_config.h"
#include "nmf/api/block_request.h"

namespace spin::controller {

using nlohmann::json;

namespace {

constexpr double kCleaning = 5;        // seconds after connecting to clear an earlier run's retained nodes
constexpr double kRediscoveryGap = 5;  // seconds between two rounds of configs asked by homeassistant/status

MqttConnection connection(const MqttConfig& c) {
    MqttConnection m;
    std::tie(m.host, m.port) = split_listen(c.broker);
    m.client_id = c.client_id;
    m.username = c.username;
    m.password = c.password;
    m.ca_file = c.ca_file;
    m.cert_file = c.cert_file;
    m.key_file = c.key_file;
    m.will_topic = c.topic_prefix + "/status";
    m.will_payload = "offline";
    if (!c.discovery_prefix.empty()) {
        m.subscribe.push_back(c.discovery_prefix + "/status");
        m.subscribe.push_back(c.topic_prefix + "/+/quarantine/set");
    }
    if (c.spin_feed) m.subscribe.push_back(std::string(SpinFeed::kNodes) + "+");
    return m;
}

}  // namespace

MqttExporter::MqttExporter(const MqttConfig& config, const nmf::DeviceModel& model, BlockManager& blocks)
    : config_(config), model_(model), blocks_(blocks) {
    if (!config.discovery_prefix.empty()) ha_.emplace(config.discovery_prefix, config.topic_prefix);
    if (config.spin_feed)
        feed_.emplace(
            SpinFeed::Limits{}, [this](const std::string& mac) { return model_.find(mac); },
            [this](const std::string& mac) { return quarantine_in_force(mac) != 0; });
    client_ = std::make_unique<MqttClient>(connection(config));
}

int64_t MqttExporter::quarantine_in_force(const std::string& mac) const {
    const auto m = MacAddress::parse(mac);
    if (!m) return 0;
    proto::Rule rule;
    rule.kind = proto::RuleKind::quarantine;
    rule.mac = *m;
    return blocks_.in_force(rule);
}

void MqttExporter::publish(const MqttMessage& m) {
    if (client_->publish(m.topic, m.payload, m.retain, m.qos))
        ++published_;
    else
        ++refused_;
}

void MqttExporter::on_flow(const proto::FlowRecord& r, const nmf::TrafficCounters& added) {
    if (const uint64_t mac = MacAddress::to_u64(r.mac); announced_macs_.count(mac) != 0) {
        auto& b = bytes_[mac];
        b.first += added.bytes_out;
        b.second += added.bytes_in;
    }
    if (feed_) feed_->on_flow(r, added, now_);
}

void MqttExporter::on_event(const proto::Event& e) {
    if (!feed_) return;
    if (const auto* dns = e.as<proto::DnsEvent>(); dns != nullptr && !e.mac.empty()) feed_->on_dns(e.mac, *dns, now_);
}

void MqttExporter::on_alert(const nmf::Alert& a) {
    if (!ha_) return;
    // A device's first alert may come before its next announcement round.
    if (const nmf::Device* d = model_.find(a.device); d == nullptr || !announce(*d)) return;
    publish(ha_->alert(a));
    ++alerts_;
}

bool MqttExporter::announce(const nmf::Device& d) {
    const std::string id = HomeAssistant::object_id(d.mac);
    if (announced_.count(id)) return true;
    if (!d.confirmed) return false;
    if (announced_.size() >= config_.max_devices) {
        ++devices_skipped_;
        return false;
    }
    announced_[id] = d.mac;
    if (const auto m = MacAddress::parse(d.mac)) announced_macs_.insert(m->to_u64());
    for (const MqttMessage& m : ha_->discovery(d)) publish(m);
    return true;
}

void MqttExporter::announce_new_devices() {
    for (const auto& [mac, d] : model_.devices()) announce(d);
}

void MqttExporter::publish_states(double now, bool all) {
    const double elapsed = std::max(1.0, now - last_states_);
    last_states_ = now;
    for (const auto& [id, mac] : announced_) {
        const nmf::Device* d = model_.find(mac);
        if (d == nullptr) continue;
        HomeAssistant::State s;
        s.quarantined = quarantine_in_force(mac) != 0;
        if (const auto m = MacAddress::parse(mac)) {
            if (const auto b = bytes_.find(m->to_u64()); b != bytes_.end()) {
                s.upload = static_cast<double>(b->second.first) / elapsed;
                s.download = static_cast<double>(b->second.second) / elapsed;
            }
        }
        for (const MqttMessage& m : ha_->states(*d, s, now, config_.away_after)) {
            std::string& last = last_state_[m.topic];
            if (!all && last == m.payload) continue;
            last = m.payload;
            publish(m);
        }
    }
    bytes_.clear();
}

void MqttExporter::rediscover(double now) {
    for (const auto& [id, mac] : announced_)
        if (const nmf::Device* d = model_.find(mac))
            for (const MqttMessage& m : ha_->discovery(*d)) publish(m);
    publish_states(now, true);
}

void MqttExporter::on_command(const std::string& id, const std::string& payload, double now) {
    const auto it = announced_.find(id);
    if (it == announced_.end() || (payload != "ON" && payload != "OFF")) {
        ++commands_refused_;
        return;
    }
    ++commands_;
    const std::string mac = it->second;
    const auto done = [this, mac, payload](nmf::ControlResult r) {
        if (r.outcome != nmf::Outcome::done && r.outcome != nmf::Outcome::created)
            log_warn("MQTT: quarantine {} of {}: {}", payload, mac, r.body.dump());
        publish_states(now_, false);  // the switch shows what happened
    };
    if (payload == "ON") {
        if (quarantine_in_force(mac) != 0) return;
        const auto request = nmf::parse_block_request(
            json{{"type", "quarantine"}, {"mac", mac}, {"reason", "quarantine switch (MQTT)"}}, now);
        if (const auto* r = std::get_if<nmf::BlockRequest>(&request)) blocks_.create(*r, now, done);
        return;
    }
    if (const int64_t block = quarantine_in_force(mac); block != 0)
        blocks_.remove(block, "quarantine switch (MQTT)", now, done);
}

void MqttExporter::tick(double now) {
    now_ = now;
    if (client_->take_connected()) {
        connected_at_ = now;
        cleaning_ = feed_.has_value();
        last_state_.clear();
        publish({config_.topic_prefix + "/status", "online", true, 1});
        if (ha_) rediscover(now);
        if (feed_)
            for (const MqttMessage& m : feed_->restart(now)) publish(m);
    }
    if (cleaning_ && now - connected_at_ >= kCleaning) {
        client_->unsubscribe(std::string(SpinFeed::kNodes) + "+");
        cleaning_ = false;
    }
    for (const auto& [topic, payload] : client_->take_received()) {
        if (ha_ && topic == ha_->status_topic()) {
            // Home Assistant (re)started: it asks for every config again.
            if (payload == "online") rediscovery_asked_ = true;
            continue;
        }
        if (ha_) {
            if (const std::string id = ha_->commanded(topic); !id.empty()) {
                on_command(id, payload, now);
                continue;
            }
        }
        if (feed_ && cleaning_ && !payload.empty())
            if (const auto clear = feed_->stale(topic)) publish(*clear);
    }
    // At most one round every few seconds, however often "online" comes:
    // repeating it brings no flood, and a birth within the gap is served after it.
    if (rediscovery_asked_ && now - last_rediscovery_ >= kRediscoveryGap) {
        rediscovery_asked_ = false;
        last_rediscovery_ = now;
        ++rediscoveries_;
        rediscover(now);
    }
    if (ha_ && client_->connected() && now - last_states_ >= config_.state_interval) {
        announce_new_devices();
        publish_states(now, false);
    }
    if (feed_ && client_->connected() && now - last_feed_ >= config_.feed_interval) {
        last_feed_ = now;
        for (const MqttMessage& m : feed_->take(now)) publish(m);
    }
}

json MqttExporter::stats() const {
    json j{{"connected", client_->connected()},
           {"connects", client_->connects()},
           {"published", published_},
           {"refused", refused_},
           {"received_dropped", client_->inbound_dropped()},
           {"devices", announced_.size()},
           {"devices_skipped", devices_skipped_},
           {"commands", commands_},
           {"commands_refused", commands_refused_},
           {"alerts", alerts_},
           {"rediscoveries", rediscoveries_},
           {"last_error", client_->last_error()}};
    if (feed_) j["spin_feed"] = feed_->stats();
    return j;
}

}  // namespace spin::controller
