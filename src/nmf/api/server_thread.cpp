#include "nmf/api/server_thread.h"

#include <chrono>
#include <stdexcept>

namespace spin::nmf {

ServerThread::~ServerThread() { stop(); }

uint16_t ServerThread::start(httplib::Server& server, const std::string& host, uint16_t port, const std::string& what) {
    if (port == 0) {
        const int bound = server.bind_to_any_port(host);
        if (bound < 0) throw std::runtime_error("cannot bind " + what + " to " + host);
        port = static_cast<uint16_t>(bound);
    } else if (!server.bind_to_port(host, port)) {
        throw std::runtime_error("cannot bind " + what + " to " + host + ":" + std::to_string(port) +
                                 " (in use, or not an address of this host)");
    }
    server_ = &server;
    ended_ = false;
    thread_ = std::thread([this] {
        server_->listen_after_bind();
        ended_ = true;
    });
    return port;
}

void ServerThread::stop() {
    if (!thread_.joinable()) return;
    // Until the loop runs, httplib's stop() would be lost.
    while (!server_->is_running() && !ended_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_->stop();
    thread_.join();
}

}  // namespace spin::nmf
