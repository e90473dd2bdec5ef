// An MQTT connection (libmosquitto) that never blocks the ingest thread:
// libmosquitto's own thread connects, reconnects with back-off and writes;
// publish() hands it a copy and returns.  What arrives on the subscribed
// topics is queued (bounded) for the ingest thread to take; what cannot be
// published (not connected, or too much waiting to be written) is refused
// for the caller to count.  The last will marks the controller offline.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace spin::controller {

struct MqttConnection {
    std::string host;
    uint16_t port = 1883;
    std::string client_id;
    std::string username, password;
    std::string ca_file;              // TLS when set: the broker's CA
    std::string cert_file, key_file;  // TLS client certificate (optional)
    std::string will_topic;           // "" for none; else gets will_payload, retained, when the connection drops
    std::string will_payload;
    std::vector<std::string> subscribe;  // topics (filters) to receive
    int keepalive = 30;
};

class MqttClient {
public:
    static constexpr size_t kMaxInbound = 1024;       // received messages waiting for the ingest thread
    static constexpr size_t kMaxPending = 20000;      // published messages not written yet
    static constexpr size_t kMaxInboundBytes = 4096;  // larger received payloads are dropped

    // Starts connecting in the background; throws std::runtime_error on a
    // setting libmosquitto refuses (a TLS file it cannot read).
    explicit MqttClient(MqttConnection c);
    ~MqttClient();
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    // false: refused (not connected, or kMaxPending waiting).
    bool publish(const std::string& topic, const std::string& payload, bool retain, int qos = 0);
    // Stops receiving a topic of MqttConnection::subscribe until the next connection.
    void unsubscribe(const std::string& topic);
    // Received (topic, payload) pairs, oldest first.
    std::vector<std::pair<std::string, std::string>> take_received();
    // True once after each (re)connection: the caller publishes its retained state again.
    bool take_connected() { return fresh_.exchange(false); }

    bool connected() const { return connected_.load(); }
    uint64_t connects() const { return connects_.load(); }
    uint64_t inbound_dropped() const { return inbound_dropped_.load(); }
    std::string last_error() const;

private:
    static void on_connect(mosquitto* m, void* self, int rc);
    static void on_disconnect(mosquitto* m, void* self, int rc);
    static void on_publish(mosquitto* m, void* self, int mid);
    static void on_message(mosquitto* m, void* self, const mosquitto_message* msg);
    void set_error(std::string e);

    MqttConnection c_;
    mosquitto* m_ = nullptr;
    std::atomic<bool> connected_{false}, fresh_{false};
    std::atomic<uint64_t> connects_{0}, inbound_dropped_{0};
    std::atomic<uint64_t> published_{0}, written_{0};
    mutable std::mutex mutex_;  // inbound_, error_
    std::deque<std::pair<std::string, std::string>> inbound_;
    std::string error_;
};

}  // namespace spin::controller
