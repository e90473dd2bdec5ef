// The agent's command channel: a ZeroMQ ROUTER socket that takes orders from
// any number of REQ or DEALER clients (controller, spinctl) and answers each
// one through OrderHandler.  CURVE-protected when keys are configured.
// Polled by the control loop; never blocks.
#pragma once

#include <cstdint>
#include <string>

#include <zmq.hpp>

#include "agent/order_handler.h"
#include "transport/curve.h"

namespace spin::agent {

class CommandServer {
public:
    // Binds endpoint; throws std::runtime_error with the endpoint and reason.
    CommandServer(zmq::context_t& ctx, const std::string& endpoint, const transport::CurveKeyPair* keys,
                  OrderHandler& handler);
    // Answers every order waiting; returns how many.
    unsigned poll();
    const std::string& endpoint() const { return endpoint_; }
    uint64_t malformed() const { return malformed_; }

private:
    zmq::socket_t socket_;
    std::string endpoint_;
    OrderHandler& handler_;
    uint64_t malformed_ = 0;  // messages without a body frame
};

}  // namespace spin::agent
