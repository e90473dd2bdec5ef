#include "nmf/api/api_server.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "common/mac_address.h"
#include "common/wall_clock.h"
#include "nmf/api/block_request.h"

namespace spin::nmf {

using nlohmann::json;

namespace {

constexpr int64_t kMaxSeriesPoints = 100'000;

std::string mac_of(const PathArgs& args) {
    std::string error;
    const auto mac = MacAddress::parse(args.at(0), &error);
    if (!mac) throw ApiError(400, error);
    return mac->to_string();
}

// The `device` query parameter: a MAC in canonical form.
std::string device_param(const QueryParams& p) {
    const auto mac = MacAddress::parse(p.text("device"));
    if (!mac) throw ApiError(400, "'device': '" + p.text("device").substr(0, 64) + "' is not a MAC address");
    return mac->to_string();
}

// Where the HTTP status of a Controls answer is chosen: here, nowhere else.
int http_status(Outcome outcome) {
    switch (outcome) {
    case Outcome::done: return 200;
    case Outcome::created: return 201;
    case Outcome::not_found: return 404;
    case Outcome::conflict: return 409;
    case Outcome::no_agent:
    case Outcome::busy: return 503;
    case Outcome::failed: return 500;
    }
    return 500;
}

// A Controls answer as a response: errors get the same shape as the API's own.
void send_result(httplib::Response& res, ControlResult out) {
    const int status = http_status(out.outcome);
    if (status >= 400 && out.body.is_object() && !out.body.contains("status")) out.body["status"] = status;
    send_json(res, status, out.body);
}

// The body of a Controls answer that must have succeeded, for a response
// that wraps it; errors become the API's own.
nlohmann::json result_body(ControlResult out) {
    if (out.outcome != Outcome::done)
        throw ApiError(http_status(out.outcome), out.body.value("error", std::string("the controller did not answer")));
    return std::move(out.body);
}

// A traffic item cut down to one device; "" if that device had none.
std::string traffic_of(const std::string& data, const std::string& mac) {
    json item = json::parse(data, nullptr, false);
    if (!item.is_object() || !item.contains("devices") || !item["devices"].is_array()) return "";
    json kept = json::array();
    for (const auto& d : item["devices"])
        if (d.is_object() && d.value("mac", "") == mac) kept.push_back(d);
    if (kept.empty()) return "";
    item["devices"] = std::move(kept);
    return item.dump();
}

// Constant time, so that the token cannot be guessed byte by byte.
bool same_secret(const std::string& a, const std::string& b) {
    unsigned diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
    return diff == 0 && !b.empty();
}

}  // namespace

ApiServer::ApiServer(ApiConfig config, QueryPool& queries, Controls& controls, EventHub& hub)
    : config_(std::move(config)), queries_(queries), controls_(controls), hub_(hub) {
    routes();
    router_.install(server_);
    const uint32_t threads = config_.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(config_.max_body);
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (authorised(req)) return httplib::Server::HandlerResponse::Unhandled;
        res.set_header("WWW-Authenticate", "Bearer realm=\"spin\"");
        send_error(res, 401, "this API needs 'Authorization: Bearer TOKEN' with the token of api.token");
        return httplib::Server::HandlerResponse::Handled;
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

bool ApiServer::authorised(const httplib::Request& req) const {
    if (config_.token.empty()) return true;
    const std::string header = req.get_header_value("Authorization");
    constexpr char kBearer[] = "Bearer ";
    return header.rfind(kBearer, 0) == 0 && same_secret(header.substr(sizeof(kBearer) - 1), config_.token);
}

void ApiServer::handle(const httplib::Request& req, httplib::Response& res) {
    if (!authorised(req)) {
        send_error(res, 401, "this API needs 'Authorization: Bearer TOKEN' with the token of api.token");
        return;
    }
    try {
        router_.dispatch(req, res);
    } catch (const std::exception& e) {
        send_error(res, 500, std::string("internal error: ") + e.what());
    }
}

void ApiServer::start() {
    if (config_.port == 0) {
        const int port = server_.bind_to_any_port(config_.host);
        if (port < 0) throw std::runtime_error("cannot bind the API to " + config_.host);
        port_ = static_cast<uint16_t>(port);
    } else {
        if (!server_.bind_to_port(config_.host, config_.port))
            throw std::runtime_error("cannot bind the API to " + config_.host + ":" + std::to_string(config_.port) +
                                     " (in use, or not an address of this host)");
        port_ = config_.port;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
}

void ApiServer::stop() {
    hub_.stop();  // wakes the stream threads, or the pool could not join them
    server_.stop();
    if (thread_.joinable()) thread_.join();
}

void ApiServer::routes() {
    router_.add("GET", "/api/v1", [](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        send_json(res, 200,
                  {{"api", "spin-nmf"},
                   {"version", 1},
                   {"routes",
                    {"GET /api/v1/devices", "GET|PATCH /api/v1/devices/{mac}", "GET /api/v1/devices/{mac}/traffic",
                     "GET /api/v1/devices/{mac}/destinations", "GET /api/v1/events", "GET /api/v1/agents",
                     "GET|POST /api/v1/blocks", "DELETE /api/v1/blocks/{id}", "GET /api/v1/stream"}}});
    });

    router_.add("GET", "/api/v1/devices", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        send_json(res, 200, {{"devices", queries_.take()->devices()}});
    });

    router_.add("GET", "/api/v1/devices/{mac}",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    const std::string mac = mac_of(m);
                    const auto d = queries_.take()->device(mac);
                    if (!d) throw ApiError(404, "no device " + mac);
                    send_json(res, 200, *d);
                });

    router_.add("PATCH", "/api/v1/devices/{mac}",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    const std::string mac = mac_of(m);
                    const json body = json_body(req);
                    std::optional<std::string> name, notes;
                    for (const auto& [key, value] : body.items()) {
                        if (key != "name" && key != "notes")
                            throw ApiError(400, "unknown field '" + key + "' (a device takes name and notes)");
                        if (!value.is_string()) throw ApiError(400, "'" + key + "' must be a string");
                        const size_t limit = key == "name" ? 256 : 4096;
                        if (value.get<std::string>().size() > limit)
                            throw ApiError(400, "'" + key + "' is longer than " + std::to_string(limit) + " bytes");
                        (key == "name" ? name : notes) = value.get<std::string>();
                    }
                    if (!name && !notes) throw ApiError(400, "nothing to change: give name and / or notes");
                    auto q = queries_.take();
                    if (!q->annotate(mac, name, notes)) throw ApiError(404, "no device " + mac);
                    controls_.user_action(mac, body);
                    send_json(res, 200, *q->device(mac));
                });

    router_.add("GET", "/api/v1/devices/{mac}/traffic",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    const QueryParams p(req, {"from", "to", "step"});
                    const std::string mac = mac_of(m);
                    auto q = queries_.take();
                    if (!q->device(mac)) throw ApiError(404, "no device " + mac);
                    const double newest = q->newest();
                    const auto to = static_cast<int64_t>(std::ceil(p.time("to").value_or(newest + 60)));
                    const auto from = static_cast<int64_t>(std::floor(p.time("from").value_or(to - 86400)));
                    if (from >= to) throw ApiError(400, "'from' must be before 'to'");
                    const int64_t range = to - from;
                    const int64_t step = p.integer("step", 60, 100LL * 365 * 86400)
                                             .value_or(range <= 86400        ? 60
                                                       : range <= 60 * 86400 ? 3600
                                                                             : 86400);
                    if (step % 60 != 0) throw ApiError(400, "'step' must be a multiple of 60 seconds");
                    if (range / step > kMaxSeriesPoints)
                        throw ApiError(400, "that is more than " + std::to_string(kMaxSeriesPoints) +
                                                " points: choose a larger step or a shorter range");
                    send_json(res, 200, q->traffic(mac, from, to, step, newest));
                });

    router_.add("GET", "/api/v1/devices/{mac}/destinations",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    const QueryParams p(req, {"from", "to"});
                    const std::string mac = mac_of(m);
                    auto q = queries_.take();
                    if (!q->device(mac)) throw ApiError(404, "no device " + mac);
                    const double newest = q->newest();
                    const auto from = static_cast<int64_t>(std::floor(p.time("from").value_or(0)));
                    const auto to = static_cast<int64_t>(std::ceil(p.time("to").value_or(newest + 86400)));
                    if (from >= to) throw ApiError(400, "'from' must be before 'to'");
                    send_json(res, 200, q->destinations(mac, from, to, newest));
                });

    router_.add("GET", "/api/v1/events", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        const QueryParams p(req, {"from", "to", "device", "type", "after", "limit"});
        EventQuery e;
        e.from = p.time("from");
        e.to = p.time("to");
        if (e.from && e.to && *e.from >= *e.to) throw ApiError(400, "'from' must be before 'to'");
        if (p.has("device")) e.device = device_param(p);
        e.type = p.text("type");
        e.after_id = p.integer("after", 0, INT64_MAX).value_or(0);
        e.limit = p.integer("limit", 1, 10000).value_or(1000);
        send_json(res, 200, {{"events", queries_.take()->events(e)}});
    });

    router_.add("GET", "/api/v1/agents", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        send_json(res, 200, {{"agents", result_body(controls_.agents())}});
    });

    router_.add("GET", "/api/v1/blocks", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        const QueryParams p(req, {"all"});
        send_json(res, 200, {{"blocks", result_body(controls_.blocks(p.boolean("all").value_or(false)))}});
    });

    router_.add("POST", "/api/v1/blocks", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        const auto parsed = parse_block_request(json_body(req), epoch_seconds_now());
        if (const auto* error = std::get_if<std::string>(&parsed)) throw ApiError(400, *error);
        send_result(res, controls_.create_block(std::get<BlockRequest>(parsed)));
    });

    router_.add("DELETE", "/api/v1/blocks/{id}",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    const std::string id = m.at(0);
                    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
                        throw ApiError(400, "'" + id + "' is not a block id");
                    send_result(res, controls_.remove_block(std::stoll(id)));
                });

    router_.add("GET", "/api/v1/stream",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) { stream(req, res); });
}

void ApiServer::stream(const httplib::Request& req, httplib::Response& res) {
    const QueryParams p(req, {"device", "type"});
    std::string device;
    if (p.has("device")) device = device_param(p);
    std::set<std::string> types;
    for (size_t start = 0, comma; start <= p.text("type").size() && p.has("type"); start = comma + 1) {
        comma = p.text("type").find(',', start);
        if (comma == std::string::npos) comma = p.text("type").size();
        types.insert(p.text("type").substr(start, comma - start));
    }
    uint64_t after = hub_.latest();
    const std::string last_id = req.get_header_value("Last-Event-ID");
    if (!last_id.empty() && last_id.find_first_not_of("0123456789") == std::string::npos && last_id.size() < 19)
        after = std::min<uint64_t>(std::stoull(last_id), after);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    const auto keepalive = std::chrono::milliseconds(static_cast<int64_t>(config_.keepalive * 1000));
    auto first = std::make_shared<bool>(true);
    res.set_chunked_content_provider(
        "text/event-stream", [this, after, device, types, keepalive, first](size_t, httplib::DataSink& sink) mutable {
            std::string out;
            if (*first) {
                *first = false;
                out = ": spin-nmf live stream\nretry: 2000\n\n";
            } else {
                uint64_t missed = 0;
                const auto items = hub_.wait(after, keepalive, missed);
                if (hub_.stopped()) {
                    sink.done();
                    return false;
                }
                if (missed != 0) out += "event: missed\ndata: {\"missed\":" + std::to_string(missed) + "}\n\n";
                for (const HubItem& item : items) {
                    after = item.seq;
                    if (!types.empty() && !types.count(item.type)) continue;
                    std::string data = item.data;
                    if (!device.empty() && item.type == "traffic") {
                        data = traffic_of(item.data, device);
                        if (data.empty()) continue;
                    } else if (!device.empty() && item.device != device) {
                        continue;
                    }
                    out += "id: " + std::to_string(item.seq) + "\nevent: " + item.type + "\ndata: " + data + "\n\n";
                }
                if (out.empty()) out = ": keep-alive\n\n";
            }
            return sink.write(out.data(), out.size());
        });
}

}  // namespace spin::nmf
