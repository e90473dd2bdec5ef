#include "controller/export/metrics_server.h"

#include <stdexcept>

namespace spin::controller {

namespace {

void plain(httplib::Response& res, int status, const std::string& text) {
    res.status = status;
    res.set_content(text + "\n", "text/plain; charset=utf-8");
}

}  // namespace

MetricsServer::MetricsServer(Config config, std::function<std::optional<std::string>()> render)
    : config_(std::move(config)), render_(std::move(render)), guard_(config_.hosts) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(2); };
    server_.set_read_timeout(3, 0);
    server_.set_write_timeout(5, 0);
    server_.set_keep_alive_timeout(5);
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
        if (const auto no = guard_.check(req)) return plain(res, no->status, no->message);
        if (!config_.token.empty() && !nmf::bearer_token_matches(req, config_.token)) {
            res.set_header("WWW-Authenticate", "Bearer realm=\"spin\"");
            return plain(res, 401, "/metrics needs 'Authorization: Bearer TOKEN' with the token of api.token");
        }
        if (req.path != "/metrics") return plain(res, 404, "no such page: the metrics are at /metrics");
        const auto text = render_();
        if (!text) return plain(res, 503, "the controller did not answer in time; try again");
        res.status = 200;
        res.set_content(*text, "text/plain; version=0.0.4; charset=utf-8");
    });
}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() { port_ = thread_.start(server_, config_.host, config_.port, "the metrics"); }

void MetricsServer::stop() { thread_.stop(); }

}  // namespace spin::controller
