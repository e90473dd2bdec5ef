// The routes of what the controller does: its agents, its own counters, and
// blocks made, listed and lifted (docs/api.md, "Agents", "Status", "Blocks").
#include "common/wall_clock.h"
#include "nmf/api/answers.h"
#include "nmf/api/api_server.h"
#include "nmf/api/block_request.h"

namespace spin::nmf {

using nlohmann::json;

void ApiServer::control_routes() {
    router_.add("GET", "/api/v1/agents", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        send_json(res, 200, {{"agents", result_body(controls_.agents())}});
    });

    router_.add("GET", "/api/v1/status", [this](const httplib::Request& req, httplib::Response& res, const PathArgs&) {
        QueryParams(req, {});
        send_json(res, 200, {{"status", result_body(controls_.status())}});
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
                    send_result(res, controls_.remove_block(id_of(m, "a block id")));
                });
}

}  // namespace spin::nmf
