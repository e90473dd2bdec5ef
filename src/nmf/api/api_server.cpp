#include "nmf/api/api_server.h"

#include <stdexcept>

namespace spin::nmf {

using nlohmann::json;

namespace {

// cpp-httplib 0.11 compresses an answer with Brotli at its slowest quality
// whenever the client accepts it, as every browser does: 2.4 s for the 540 kB
// of a thousand devices, against 25 ms with gzip.  Answers keep to gzip.
void keep_to_gzip(httplib::Request& req) {
    const auto it = req.headers.find("Accept-Encoding");
    if (it == req.headers.end() || it->second.find("br") == std::string::npos) return;
    const bool gzip = it->second.find("gzip") != std::string::npos;
    req.headers.erase(it);
    if (gzip) req.headers.emplace("Accept-Encoding", "gzip");
}

}  // namespace

ApiServer::ApiServer(ApiConfig config, QueryPool& queries, Controls& controls, EventHub& hub)
    : config_(std::move(config)), queries_(queries), controls_(controls), hub_(hub), guard_(config_.hosts) {
    if (!config_.ui_dir.empty()) ui_ = UiAssets::load(config_.ui_dir);
    routes();
    const auto handler = [this](const httplib::Request& req, httplib::Response& res) { dispatch(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Patch(".*", handler);
    server_.Delete(".*", handler);
    server_.Options(".*", handler);
    const uint32_t threads = config_.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(config_.max_body);
    // A client that opens a connection and says nothing, or stops reading
    // a stream, holds a thread for seconds at most.
    server_.set_read_timeout(3, 0);
    server_.set_write_timeout(5, 0);
    server_.set_keep_alive_timeout(2);
    server_.set_keep_alive_max_count(100);
    // Every answer, the guard's refusals and httplib's own errors included.
    server_.set_logger([this](const httplib::Request&, const httplib::Response& res) {
        if (res.status >= 200 && res.status < 600) ++answered_[res.status / 100 - 2];
    });
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        keep_to_gzip(const_cast<httplib::Request&>(req));  // the server's own request object, not a const one
        return refuse(req, res) ? httplib::Server::HandlerResponse::Handled
                                : httplib::Server::HandlerResponse::Unhandled;
    });
    // Errors raised by httplib itself (body too large, bad request line...)
    // arrive with an empty body: give them the same JSON shape.
    server_.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const std::string message = res.status == 413   ? "the body is larger than api.max_body allows"
                                    : res.status == 400 ? "the request is not valid HTTP"
                                    : res.status == 414 ? "the request line is too long"
                                                        : "HTTP error " + std::to_string(res.status);
        send_error(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
    }));
    server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {}
        send_error(res, 500, "internal error: " + what);
    });
}

ApiServer::~ApiServer() { stop(); }

nlohmann::json ApiServer::stats() const {
    return {{"requests",
             {{"2xx", answered_[0].load()},
              {"3xx", answered_[1].load()},
              {"4xx", answered_[2].load()},
              {"5xx", answered_[3].load()}}},
            {"streams", streams_.load()}};
}

bool ApiServer::authorised(const httplib::Request& req) const {
    return config_.token.empty() || bearer_token_matches(req, config_.token);
}

namespace {

bool is_api(const std::string& path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

}  // namespace

bool ApiServer::refuse(const httplib::Request& req, httplib::Response& res) const {
    if (const auto no = guard_.check(req)) {
        send_error(res, no->status, no->message);
        return true;
    }
    // The UI's files hold no data: a browser loads the page, which asks for
    // the token (a login form) and sends it with each API call.
    if (!is_api(req.path) || authorised(req)) return false;
    res.set_header("WWW-Authenticate", "Bearer realm=\"spin\"");
    send_error(res, 401, "this API needs 'Authorization: Bearer TOKEN' with the token of api.token");
    return true;
}

void ApiServer::handle(const httplib::Request& req, httplib::Response& res) {
    if (refuse(req, res)) return;
    try {
        dispatch(req, res);
    } catch (const std::exception& e) {
        send_error(res, 500, std::string("internal error: ") + e.what());
    }
}

void ApiServer::dispatch(const httplib::Request& req, httplib::Response& res) const {
    if (is_api(req.path))
        router_.dispatch(req, res);
    else
        ui_.serve(req, res);
}

void ApiServer::start() { port_ = thread_.start(server_, config_.host, config_.port, "the API"); }

void ApiServer::stop() {
    hub_.stop();  // wakes the stream threads, or the pool could not join them
    thread_.stop();
}

void ApiServer::routes() {
    // The index lists what the router has, so it cannot miss a route.
    router_.add("GET", "/api/v1", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        json listed = json::array();
        for (const std::string& route : router_.listing())
            if (route != "GET /api/v1") listed.push_back(route);
        send_json(res, 200, {{"api", "spin-nmf"}, {"version", 1}, {"routes", listed}});
    });
    device_routes();
    event_routes();
    control_routes();
    mud_routes();
    override_routes();
}

}  // namespace spin::nmf
