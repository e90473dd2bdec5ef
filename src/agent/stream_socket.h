// The agent's outgoing stream: one ZeroMQ XPUB socket that carries digests
// (topic "spin.digest") and events ("spin.event").  XPUB rather than PUB so
// the agent sees subscriptions arrive: it can hold a replay until its
// subscribers are there (--wait-subscribers) and greet each new subscriber
// with what it holds (the 'hello' event).  Never blocks the control loop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "transport/curve.h"

namespace spin::agent {

class StreamSocket {
public:
    // Binds endpoint; keys: CURVE server keys, or null for plain ZeroMQ.
    // Throws std::runtime_error with the endpoint and the reason.
    StreamSocket(zmq::context_t& ctx, const std::string& endpoint, const transport::CurveKeyPair* keys);

    // Sends a two-part message; false when ZeroMQ could not take it now
    // (high-water mark): the caller counts it, the sequence number shows it.
    bool send(std::string_view topic, const void* data, size_t len);
    // Reads pending (un)subscriptions; returns how many new subscriptions came.
    unsigned poll_subscriptions();
    // Subscriptions in force (each subscriber's subscribe, minus unsubscribes).
    int64_t subscriptions() const { return subscriptions_; }
    const std::string& endpoint() const { return endpoint_; }

private:
    zmq::socket_t socket_;
    std::string endpoint_;
    int64_t subscriptions_ = 0;
};

}  // namespace spin::agent
