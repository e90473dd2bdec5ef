// The routes of what happened: the event log and the live stream of events
// and per-second traffic (docs/api.md, "Events", "Live stream").
#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include "nmf/api/answers.h"
#include "nmf/api/api_server.h"

namespace spin::nmf {

using nlohmann::json;

namespace {

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

// `type`: one event type or a comma-separated list of them.
std::set<std::string> type_list(const QueryParams& p) {
    std::set<std::string> types;
    if (!p.has("type")) return types;
    const std::string text = p.text("type");
    for (size_t start = 0, comma; start <= text.size(); start = comma + 1) {
        comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        if (comma > start) types.insert(text.substr(start, comma - start));
    }
    if (types.size() > 64) throw ApiError(400, "'type': at most 64 types");
    return types;
}

}  // namespace

void ApiServer::event_routes() {
    router_.add("GET", "/api/v1/events", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        const QueryParams p(req, {"from", "to", "device", "type", "after", "before", "newest", "limit"});
        EventQuery e;
        e.from = p.time("from");
        e.to = p.time("to");
        if (e.from && e.to && *e.from >= *e.to) throw ApiError(400, "'from' must be before 'to'");
        if (p.has("device")) e.device = device_param(p);
        for (const std::string& t : type_list(p)) e.types.push_back(t);
        e.after_id = p.integer("after", 0, INT64_MAX).value_or(0);
        e.before_id = p.integer("before", 1, INT64_MAX).value_or(0);
        e.limit = p.integer("limit", 1, 10000).value_or(1000);
        e.newest = p.boolean("newest").value_or(false);
        send_json(res, 200, {{"events", queries_.take()->events(e)}});
    });

    router_.add("GET", "/api/v1/stream",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) { stream(req, res); });
}

void ApiServer::stream(const httplib::Request& req, httplib::Response& res) {
    const QueryParams p(req, {"device", "type"});
    std::string device;
    if (p.has("device")) device = device_param(p);
    const std::set<std::string> types = type_list(p);
    uint64_t after = hub_.latest();
    const std::string last_id = req.get_header_value("Last-Event-ID");
    if (!last_id.empty() && last_id.find_first_not_of("0123456789") == std::string::npos && last_id.size() < 19)
        after = std::min<uint64_t>(std::stoull(last_id), after);
    // Each stream holds a thread of the pool for as long as it lasts: a cap
    // keeps the rest of the API answering however many a page opens.
    if (streams_.fetch_add(1) >= config_.max_streams) {
        streams_.fetch_sub(1);
        res.set_header("Retry-After", "5");
        throw ApiError(503, "already " + std::to_string(config_.max_streams) +
                                " live streams open (api.max_streams); try again later");
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    const auto keepalive = std::chrono::milliseconds(static_cast<int64_t>(config_.keepalive * 1000));
    auto first = std::make_shared<bool>(true);
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, after, device, types, keepalive, first](size_t, httplib::DataSink& sink) mutable {
            std::string out;
            if (*first) {
                *first = false;
                out = ": spin-nmf live stream\nretry: 2000\n\n";
            } else {
                // Waits a second at a time, so that a client that left
                // (a page reloaded or closed) frees its stream within a
                // second rather than at the next keep-alive.
                uint64_t missed = 0;
                std::vector<HubItem> items;
                for (auto waited = std::chrono::milliseconds(0); items.empty() && waited < keepalive;
                     waited += std::chrono::milliseconds(1000)) {
                    items = hub_.wait(after, std::min(keepalive - waited, std::chrono::milliseconds(1000)), missed);
                    if (hub_.stopped()) {
                        sink.done();
                        return false;
                    }
                    if (items.empty() && missed == 0 && sink.is_writable && !sink.is_writable()) return false;
                    if (missed != 0) break;
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
        },
        [this](bool) { streams_.fetch_sub(1); });
}

}  // namespace spin::nmf
