// An httplib::Server's accept loop on a thread of its own: bound first, so
// that a port in use is an error at start, and stopped without httplib's
// race (its stop() does nothing until the loop has begun, and the loop would
// then run for ever: a controller stopped right after it started hung).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include <httplib.h>

namespace spin::nmf {

class ServerThread {
public:
    ServerThread() = default;
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;
    ~ServerThread();

    // Binds `server` to host:port (port 0: any free port) and runs it;
    // returns the port.  Throws std::runtime_error naming `what` (the API,
    // the metrics) when the address cannot be bound.
    uint16_t start(httplib::Server& server, const std::string& host, uint16_t port, const std::string& what);
    // Stops the loop and joins the thread; idempotent.
    void stop();

private:
    httplib::Server* server_ = nullptr;
    std::thread thread_;
    std::atomic<bool> ended_{false};
};

}  // namespace spin::nmf
