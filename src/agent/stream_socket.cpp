#include "agent/stream_socket.h"

#include <stdexcept>

#include <fmt/format.h>

#include "transport/socket_limits.h"

namespace spin::agent {

StreamSocket::StreamSocket(zmq::context_t& ctx, const std::string& endpoint, const transport::CurveKeyPair* keys)
    : socket_(ctx, zmq::socket_type::xpub), endpoint_(endpoint) {
    try {
        socket_.set(zmq::sockopt::linger, 2000);  // let the last batches out at exit
        socket_.set(zmq::sockopt::sndhwm, transport::kStreamSendQueue);
        // Subscribers send only subscriptions: nothing large is ever accepted.
        socket_.set(zmq::sockopt::maxmsgsize, int64_t{4096});
        // Every subscribe and unsubscribe, not only the first and last per topic,
        // and unsubscribes for subscribers that go away.
        socket_.set(zmq::sockopt::xpub_verboser, 1);
        if (keys != nullptr) transport::make_curve_server(socket_, *keys);
        transport::bind_endpoint(socket_, endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error(fmt::format("publish endpoint '{}': {}", endpoint, e.what()));
    }
    // The bound address, with the port the system chose where ":*" was given.
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

bool StreamSocket::send(std::string_view topic, const void* data, size_t len) {
    // A PUB socket drops for slow subscribers rather than block: that is what
    // the control loop wants.
    return socket_.send(zmq::buffer(topic.data(), topic.size()),
                        zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
           socket_.send(zmq::buffer(data, len), zmq::send_flags::dontwait);
}

unsigned StreamSocket::poll_subscriptions() {
    unsigned fresh = 0;
    zmq::message_t m;
    while (socket_.recv(m, zmq::recv_flags::dontwait)) {
        if (m.size() == 0) continue;
        const auto first = static_cast<const uint8_t*>(m.data())[0];
        if (first == 1) {
            ++subscriptions_;
            ++fresh;
        } else if (first == 0 && subscriptions_ > 0) {
            --subscriptions_;
        }
    }
    return fresh;
}

}  // namespace spin::agent
