// GET /metrics for Prometheus on its own address (export.prometheus.listen),
// apart from the API so that a scraper needs no access to the API: the text
// comes from `render` (prometheus_text over the controller's status).  With
// api.token set it needs the same bearer token, and it refuses a Host that is
// not this server's (a page rebinding its name would read the home's MACs).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

#include "nmf/api/request_guard.h"
#include "nmf/api/server_thread.h"

namespace spin::controller {

class MetricsServer {
public:
    struct Config {
        std::string host;
        uint16_t port = 0;  // 0: any free port (tests)
        std::string token;  // "": none needed
        std::vector<std::string> hosts;
    };
    // `render`: the exposition text, or nullopt when the controller did not
    // answer in time (503).
    MetricsServer(Config config, std::function<std::optional<std::string>()> render);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Throws std::runtime_error when the address cannot be bound.
    void start();
    void stop();
    uint16_t port() const { return port_; }

private:
    Config config_;
    std::function<std::optional<std::string>()> render_;
    nmf::RequestGuard guard_;
    httplib::Server server_;
    nmf::ServerThread thread_;  // after server_: stopped before the server goes
    uint16_t port_ = 0;
};

}  // namespace spin::controller
