// The routes of MUD (docs/api.md, "MUD"): which devices have a profile, a
// device's profile assigned, its conformance, its mode, the URL it
// announced since accepted, and its profile forgotten.
#include "nmf/api/answers.h"
#include "nmf/api/api_server.h"

namespace spin::nmf {

using nlohmann::json;

namespace {

// {"url": ...} or {"profile": {...} | "text"}, and "mode".
MudRequest mud_request(const std::string& mac, const json& body) {
    MudRequest r;
    r.mac = mac;
    for (const auto& [key, value] : body.items()) {
        if (key == "url") {
            if (!value.is_string()) throw ApiError(400, "'url' must be a string");
            r.url = value.get<std::string>();
            if (r.url.rfind("https://", 0) != 0 || r.url.size() > 2048)
                throw ApiError(400, "'url' must be an https:// URL of at most 2048 characters");
        } else if (key == "profile") {
            // A string is the file's text byte for byte (what spinctl sends);
            // an object is the MUD JSON itself.
            if (value.is_string())
                r.profile = value.get<std::string>();
            else if (value.is_object())
                r.profile = value.dump();
            else
                throw ApiError(400, "'profile' must be the MUD file (a JSON object, or its text as a string)");
        } else if (key == "mode") {
            if (!value.is_string()) throw ApiError(400, "'mode' must be a string");
            r.mode = value.get<std::string>();
        } else {
            throw ApiError(400, "unknown field '" + key.substr(0, 64) + "' (expected url or profile, and mode)");
        }
    }
    if (r.url.empty() == r.profile.empty()) throw ApiError(400, "give either 'url' or 'profile'");
    return r;
}

// [from, to) of a learning or diff request: all time by default.
std::pair<double, double> window(const httplib::Request& req) {
    const QueryParams p(req, {"from", "to"});
    const double from = p.time("from").value_or(0);
    const double to = p.time("to").value_or(4e9);
    if (from >= to) throw ApiError(400, "'from' must be before 'to'");
    return {from, to};
}

}  // namespace

void ApiServer::mud_routes() {
    router_.add("GET", "/api/v1/mud", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        send_json(res, 200, {{"devices", result_body(controls_.mud_devices())}});
    });

    router_.add("PUT", "/api/v1/devices/{mac}/mud",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    send_result(res, controls_.mud_assign(mud_request(mac_of(m), json_body(req))));
                });

    router_.add("GET", "/api/v1/devices/{mac}/mud",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    send_result(res, controls_.mud_conformance(mac_of(m)));
                });

    router_.add("PATCH", "/api/v1/devices/{mac}/mud",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    const json body = json_body(req);
                    for (const auto& [key, value] : body.items())
                        if (key != "mode")
                            throw ApiError(400, "unknown field '" + key.substr(0, 64) + "' (expected mode)");
                    if (!body.contains("mode") || !body["mode"].is_string())
                        throw ApiError(400, "'mode' (a string) is required");
                    send_result(res, controls_.mud_set_mode(mac_of(m), body["mode"].get<std::string>()));
                });

    router_.add("DELETE", "/api/v1/devices/{mac}/mud",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    send_result(res, controls_.mud_remove(mac_of(m)));
                });

    router_.add("GET", "/api/v1/devices/{mac}/mud/learn",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    const auto [from, to] = window(req);
                    send_result(res, controls_.mud_learn(mac_of(m), from, to));
                });

    router_.add("GET", "/api/v1/devices/{mac}/mud/diff",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    const auto [from, to] = window(req);
                    send_result(res, controls_.mud_diff(mac_of(m), from, to));
                });

    router_.add("POST", "/api/v1/devices/{mac}/mud/accept",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    send_result(res, controls_.mud_accept(mac_of(m)));
                });
}

}  // namespace spin::nmf
