// The routes of the user's overrides of the reverse firewall: allow a
// device, pin its stage, list and lift them (docs/api.md, "Overrides").
#include "nmf/api/answers.h"
#include "nmf/api/api_server.h"
#include "nmf/api/override_request.h"

namespace spin::nmf {

using nlohmann::json;

void ApiServer::override_routes() {
    router_.add("GET", "/api/v1/overrides",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
                    const QueryParams p(req, {"device"});
                    const std::string device = p.has("device") ? device_param(p) : std::string();
                    send_json(res, 200, {{"overrides", result_body(controls_.overrides(device))}});
                });

    router_.add("POST", "/api/v1/overrides",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
                    QueryParams(req, {});
                    const auto parsed = parse_override_request(json_body(req));
                    if (const auto* error = std::get_if<std::string>(&parsed)) throw ApiError(400, *error);
                    send_result(res, controls_.create_override(std::get<OverrideRequest>(parsed)));
                });

    router_.add("DELETE", "/api/v1/overrides/{id}",
                [this](const httplib::Request& req, httplib::Response& res, const PathArgs& m) {
                    QueryParams(req, {});
                    send_result(res, controls_.remove_override(id_of(m, "an override id")));
                });
}

}  // namespace spin::nmf
