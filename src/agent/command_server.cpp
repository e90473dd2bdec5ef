#include "agent/command_server.h"

#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "transport/socket_limits.h"

namespace spin::agent {

namespace {
constexpr size_t kMaxFrames = 16;
}

CommandServer::CommandServer(zmq::context_t& ctx, const std::string& endpoint, const transport::CurveKeyPair* keys,
                             OrderHandler& handler)
    : socket_(ctx, zmq::socket_type::router), endpoint_(endpoint), handler_(handler) {
    try {
        socket_.set(zmq::sockopt::linger, 1000);
        socket_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxOrderBytes) * 2);  // bigger: cut off by ZeroMQ
        socket_.set(zmq::sockopt::rcvhwm, transport::kCommandQueue);
        socket_.set(zmq::sockopt::sndhwm, transport::kCommandQueue);
        if (keys != nullptr) transport::make_curve_server(socket_, *keys);
        transport::bind_endpoint(socket_, endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error(fmt::format("commands endpoint '{}': {}", endpoint, e.what()));
    }
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

unsigned CommandServer::poll() {
    unsigned answered = 0;
    for (;;) {
        std::vector<zmq::message_t> frames;
        zmq::message_t part;
        if (!socket_.recv(part, zmq::recv_flags::dontwait)) return answered;
        frames.push_back(std::move(part));
        bool overflow = false;
        while (frames.back().more()) {
            zmq::message_t next;
            (void)socket_.recv(next);
            if (frames.size() < kMaxFrames)
                frames.push_back(std::move(next));
            else
                overflow = true;  // read to the end of the message, then drop it
            if (overflow && !next.more()) break;
        }
        // [identity][envelope... ""][body]: REQ clients add the empty
        // delimiter, DEALER clients may; the answer goes back the same way.
        if (frames.size() < 2 || overflow) {
            ++malformed_;
            continue;
        }
        const std::string body = frames.back().to_string();
        const std::string reply = handler_.handle(body);
        for (size_t i = 0; i + 1 < frames.size(); ++i)
            socket_.send(frames[i], zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        socket_.send(zmq::buffer(reply), zmq::send_flags::dontwait);
        ++answered;
    }
}

}  // namespace spin::agent
