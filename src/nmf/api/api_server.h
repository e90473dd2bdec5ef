// The NMF's HTTP + JSON API (docs/api.md): devices, traffic, destinations,
// events, agents, blocks and the live stream, over the store (QueryPool),
// the controller (Controls) and the EventHub.  Runs its own threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <atomic>
#include <vector>

#include "nmf/api/controls.h"
#include "nmf/api/event_hub.h"
#include "nmf/api/request_guard.h"
#include "nmf/api/router.h"
#include "nmf/api/server_thread.h"
#include "nmf/api/ui_assets.h"
#include "nmf/store/store_queries.h"

namespace spin::nmf {

struct ApiConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0: any free port (tests)
    std::string token;     // "": no token needed
    uint64_t max_body = 64 * 1024;
    uint32_t threads = 16;
    uint32_t max_streams = 4;        // live streams at once; each holds a thread
    std::vector<std::string> hosts;  // names the API is reached by, besides address literals and localhost
    double keepalive = 15;           // seconds between comments on an idle stream
    std::string ui_dir;              // the web UI's built files; "": no UI (its pages answer 404)
};

class ApiServer {
public:
    ApiServer(ApiConfig config, QueryPool& queries, Controls& controls, EventHub& hub);
    ~ApiServer();

    // Binds and starts serving; throws std::runtime_error when the address
    // cannot be bound.
    void start();
    void stop();
    uint16_t port() const { return port_; }

    size_t ui_files() const { return ui_.files(); }
    // Requests answered since start, by status class, and live streams open now (GET /api/v1/status, `api`).
    nlohmann::json stats() const;

    // One request handled in process, as the server would after reading it
    // (the guard, the bearer check, then the routes): for fuzzing and tests.
    void handle(const httplib::Request& req, httplib::Response& res);

private:
    void routes();
    // One resource each (device_routes.cpp, event_routes.cpp, control_routes.cpp, mud_routes.cpp,
    // override_routes.cpp).
    void device_routes();
    void event_routes();
    void control_routes();
    void mud_routes();
    void override_routes();
    bool authorised(const httplib::Request& req) const;
    // The guard and the bearer check; true when the request was answered (refused).
    bool refuse(const httplib::Request& req, httplib::Response& res) const;
    void stream(const httplib::Request& req, httplib::Response& res);
    // /api/ to the router, any other path to the UI's files.
    void dispatch(const httplib::Request& req, httplib::Response& res) const;

    ApiConfig config_;
    QueryPool& queries_;
    Controls& controls_;
    EventHub& hub_;
    RequestGuard guard_;
    UiAssets ui_;
    std::atomic<uint32_t> streams_{0};
    std::atomic<uint64_t> answered_[4] = {};  // 2xx, 3xx, 4xx, 5xx
    httplib::Server server_;
    Router router_;
    ServerThread thread_;  // after server_: stopped before the server goes
    uint16_t port_ = 0;
};

}  // namespace spin::nmf
