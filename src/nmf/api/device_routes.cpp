// The routes of devices: the list, one device (and the user's name and notes
// for it), its traffic over time and its destinations; and the same two for
// every device at once, as the web UI's pages show them (docs/api.md).
#include <cmath>

#include "nmf/api/answers.h"
#include "nmf/api/api_server.h"

namespace spin::nmf {

using nlohmann::json;

namespace {

constexpr int64_t kMaxSeriesPoints = 100'000;

struct SeriesRange {
    int64_t from, to, step;
};

// from / to / step of a traffic query: a day up to the newest minute by
// default, the step by the range, refused past kMaxSeriesPoints steps.
SeriesRange series_range(const QueryParams& p, double newest) {
    SeriesRange r{};
    r.to = static_cast<int64_t>(std::ceil(p.time("to").value_or(newest + 60)));
    r.from = static_cast<int64_t>(std::floor(p.time("from").value_or(static_cast<double>(r.to - 86400))));
    if (r.from >= r.to) throw ApiError(400, "'from' must be before 'to'");
    const int64_t range = r.to - r.from;
    r.step = p.integer("step", 60, 100LL * 365 * 86400)
                 .value_or(range <= 86400        ? 60
                           : range <= 60 * 86400 ? 3600
                                                 : 86400);
    if (r.step % 60 != 0) throw ApiError(400, "'step' must be a multiple of 60 seconds");
    if (range / r.step > kMaxSeriesPoints)
        throw ApiError(400, "that is more than " + std::to_string(kMaxSeriesPoints) +
                                " points: choose a larger step or a shorter range");
    return r;
}

// from / to of a destinations query: all time by default.
std::pair<int64_t, int64_t> destinations_range(const QueryParams& p, double newest) {
    const auto from = static_cast<int64_t>(std::floor(p.time("from").value_or(0)));
    const auto to = static_cast<int64_t>(std::ceil(p.time("to").value_or(newest + 86400)));
    if (from >= to) throw ApiError(400, "'from' must be before 'to'");
    return {from, to};
}

}  // namespace

void ApiServer::device_routes() {
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
                    const SeriesRange r = series_range(p, newest);
                    send_json(res, 200, q->traffic(mac, r.from, r.to, r.step, newest));
                });

    router_.add("GET", "/api/v1/devices/{mac}/destinations",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    const QueryParams p(req, {"from", "to"});
                    const std::string mac = mac_of(m);
                    auto q = queries_.take();
                    if (!q->device(mac)) throw ApiError(404, "no device " + mac);
                    const double newest = q->newest();
                    const auto [from, to] = destinations_range(p, newest);
                    send_json(res, 200, q->destinations(mac, from, to, newest));
                });

    router_.add("GET", "/api/v1/traffic", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        const QueryParams p(req, {"from", "to", "step"});
        auto q = queries_.take();
        const double newest = q->newest();
        const SeriesRange r = series_range(p, newest);
        const auto answer = q->home_traffic(r.from, r.to, r.step, kMaxSeriesPoints, newest);
        if (!answer)
            throw ApiError(400, "the home's devices have more than " + std::to_string(kMaxSeriesPoints) +
                                    " steps with traffic in that range: choose a larger step or a shorter range");
        send_json(res, 200, *answer);
    });

    router_.add("GET", "/api/v1/destinations",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
                    const QueryParams p(req, {"from", "to", "top"});
                    auto q = queries_.take();
                    const double newest = q->newest();
                    const auto [from, to] = destinations_range(p, newest);
                    send_json(res, 200, q->home_destinations(from, to, p.integer("top", 1, 100).value_or(10), newest));
                });
}

}  // namespace spin::nmf
