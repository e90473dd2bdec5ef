// Publishes the agent's events (docs/protocol.md, "Events") as JSON on the
// stream socket (topic "spin.event") and, optionally, as lines in a file.
// Adds what every event carries: agent id, boot time, sequence number.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/stream_socket.h"
#include "proto/events.h"
#include "proto/topics.h"

namespace spin::agent {

using proto::kEventTopic;

class EventPublisher {
public:
    // socket may be null (no stream); log_path "" for no file.
    EventPublisher(StreamSocket* socket, std::string agent_id, uint64_t boot_us, const std::string& log_path);
    ~EventPublisher();
    EventPublisher(const EventPublisher&) = delete;
    EventPublisher& operator=(const EventPublisher&) = delete;

    // Sets the event's agent, boot and seq, and sends it.
    void publish(proto::Event event);

    uint64_t published() const { return seq_; }
    uint64_t send_failures() const { return failures_; }

private:
    StreamSocket* socket_;
    std::string agent_;
    double boot_;
    std::FILE* log_ = nullptr;
    uint64_t seq_ = 0, failures_ = 0;
};

// JSON text of an event: hostile names may hold bytes that are not UTF-8,
// which are replaced rather than allowed to throw.
std::string event_text(const nlohmann::json& event);

}  // namespace spin::agent
