// Everything the agent says and hears over ZeroMQ: the stream socket (digests
// and events), the command channel, CURVE and its ZAP handler.  Lives on the
// control lcore; poll() is called from the control loop and never blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include <zmq.hpp>

#include "agent/agent_config.h"
#include "agent/command_server.h"
#include "agent/digest_publisher.h"
#include "agent/event_publisher.h"
#include "agent/order_handler.h"
#include "agent/rule_registry.h"
#include "agent/stream_socket.h"
#include "transport/curve.h"

namespace spin::agent {

class Channels {
public:
    // Binds what the configuration asks for.  Throws std::runtime_error.
    Channels(const AgentConfig& cfg, uint64_t boot_us, RuleRegistry& rules, OrderHandler::Hooks hooks);

    DigestPublisher* digests() { return digests_.get(); }
    EventPublisher& events() { return *events_; }

    // The 'hello' event: who this agent is and which tables it holds, so that
    // a (re)connecting controller can resynchronise.
    void hello(const char* reason);
    // Answers orders and ZAP requests, greets new subscribers, sends due
    // digest batches and heartbeats.
    void poll();
    // Before forwarding starts: polls until `n` subscriptions arrived or the
    // timeout passed.  Returns the subscriptions seen.
    int64_t wait_for_subscribers(uint32_t n, std::chrono::milliseconds timeout, const std::atomic<bool>& stop);
    void flush();
    void print_stats() const;

private:
    const AgentConfig& cfg_;
    RuleRegistry& rules_;
    zmq::context_t ctx_;
    std::optional<transport::CurveKeyPair> keys_;
    std::unique_ptr<transport::ZapAuthenticator> zap_;
    std::unique_ptr<StreamSocket> stream_;
    std::unique_ptr<DigestPublisher> digests_;
    std::unique_ptr<EventPublisher> events_;
    std::unique_ptr<OrderHandler> orders_;
    std::unique_ptr<CommandServer> commands_;
    std::chrono::steady_clock::time_point last_hello_;
};

}  // namespace spin::agent
