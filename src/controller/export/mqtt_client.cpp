#include "controller/export/mqtt_client.h"

#include <stdexcept>

#include <fmt/format.h>
#include <mosquitto.h>

#include "common/log.h"

namespace spin::controller {

namespace {

// libmosquitto's global set-up, once per process.
struct Library {
    Library() { mosquitto_lib_init(); }
    ~Library() { mosquitto_lib_cleanup(); }
};

void check(int rc, const char* what) {
    if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(fmt::format("MQTT {}: {}", what, mosquitto_strerror(rc)));
}

}  // namespace

MqttClient::MqttClient(MqttConnection c) : c_(std::move(c)) {
    static Library library;
    m_ = mosquitto_new(c_.client_id.empty() ? nullptr : c_.client_id.c_str(), true, this);
    if (m_ == nullptr) throw std::runtime_error("MQTT: cannot create a client");
    try {
        check(mosquitto_int_option(m_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "protocol");
        if (!c_.username.empty())
            check(
                mosquitto_username_pw_set(m_, c_.username.c_str(), c_.password.empty() ? nullptr : c_.password.c_str()),
                "username");
        if (!c_.ca_file.empty())
            check(mosquitto_tls_set(m_, c_.ca_file.c_str(), nullptr,
                                    c_.cert_file.empty() ? nullptr : c_.cert_file.c_str(),
                                    c_.key_file.empty() ? nullptr : c_.key_file.c_str(), nullptr),
                  "TLS files");
        if (!c_.will_topic.empty())
            check(mosquitto_will_set(m_, c_.will_topic.c_str(), static_cast<int>(c_.will_payload.size()),
                                     c_.will_payload.data(), 1, true),
                  "last will");
        mosquitto_connect_callback_set(m_, &MqttClient::on_connect);
        mosquitto_disconnect_callback_set(m_, &MqttClient::on_disconnect);
        mosquitto_publish_callback_set(m_, &MqttClient::on_publish);
        mosquitto_message_callback_set(m_, &MqttClient::on_message);
        mosquitto_reconnect_delay_set(m_, 1, 30, true);
        // A broker that is not up yet is not an error: the loop keeps trying.
        const int rc = mosquitto_connect_async(m_, c_.host.c_str(), c_.port, c_.keepalive);
        if (rc != MOSQ_ERR_SUCCESS)
            set_error(fmt::format("connect to {}:{}: {}", c_.host, c_.port, mosquitto_strerror(rc)));
        check(mosquitto_loop_start(m_), "thread");
    } catch (...) {
        mosquitto_destroy(m_);
        throw;
    }
}

MqttClient::~MqttClient() {
    mosquitto_disconnect(m_);  // a clean goodbye: the broker does not send the last will
    mosquitto_loop_stop(m_, false);
    mosquitto_destroy(m_);
}

void MqttClient::on_connect(mosquitto* m, void* self, int rc) {
    auto* c = static_cast<MqttClient*>(self);
    if (rc != 0) {
        c->set_error(fmt::format("the broker {}:{} refused the connection: {}", c->c_.host, c->c_.port,
                                 mosquitto_connack_string(rc)));
        return;
    }
    for (const std::string& topic : c->c_.subscribe) mosquitto_subscribe(m, nullptr, topic.c_str(), 1);
    c->written_ = c->published_.load();  // what was waiting when the last connection dropped is gone
    c->connected_ = true;
    ++c->connects_;
    c->fresh_ = true;
    c->set_error("");
    log_info("MQTT: connected to {}:{}", c->c_.host, c->c_.port);
}

void MqttClient::on_disconnect(mosquitto*, void* self, int rc) {
    auto* c = static_cast<MqttClient*>(self);
    c->connected_ = false;
    if (rc != 0)
        c->set_error(fmt::format("connection to {}:{} lost: {}", c->c_.host, c->c_.port, mosquitto_strerror(rc)));
}

void MqttClient::on_publish(mosquitto*, void* self, int) { ++static_cast<MqttClient*>(self)->written_; }

void MqttClient::on_message(mosquitto*, void* self, const mosquitto_message* msg) {
    auto* c = static_cast<MqttClient*>(self);
    std::lock_guard lock(c->mutex_);
    if (c->inbound_.size() >= kMaxInbound || msg->payloadlen < 0 ||
        static_cast<size_t>(msg->payloadlen) > kMaxInboundBytes) {
        ++c->inbound_dropped_;
        return;
    }
    c->inbound_.emplace_back(msg->topic, std::string(static_cast<const char*>(msg->payload), msg->payloadlen));
}

bool MqttClient::publish(const std::string& topic, const std::string& payload, bool retain, int qos) {
    if (!connected_ || published_ - written_ >= kMaxPending) return false;
    const int rc =
        mosquitto_publish(m_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
    if (rc != MOSQ_ERR_SUCCESS) return false;
    ++published_;
    return true;
}

void MqttClient::unsubscribe(const std::string& topic) { mosquitto_unsubscribe(m_, nullptr, topic.c_str()); }

std::vector<std::pair<std::string, std::string>> MqttClient::take_received() {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, std::string>> out(std::make_move_iterator(inbound_.begin()),
                                                         std::make_move_iterator(inbound_.end()));
    inbound_.clear();
    return out;
}

void MqttClient::set_error(std::string e) {
    std::lock_guard lock(mutex_);
    if (!e.empty() && e != error_) log_warn("MQTT: {}", e);
    error_ = std::move(e);
}

std::string MqttClient::last_error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

}  // namespace spin::controller
