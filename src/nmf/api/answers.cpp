#include "nmf/api/answers.h"

#include "common/mac_address.h"

namespace spin::nmf {

std::string mac_of(const PathArgs& args) {
    std::string error;
    const auto mac = MacAddress::parse(args.at(0), &error);
    if (!mac) throw ApiError(400, error);
    return mac->to_string();
}

int64_t id_of(const PathArgs& args, const char* what) {
    const std::string& id = args.at(0);
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
        throw ApiError(400, "'" + id + "' is not " + what);
    return std::stoll(id);
}

std::string device_param(const QueryParams& p) {
    const auto mac = MacAddress::parse(p.text("device"));
    if (!mac) throw ApiError(400, "'device': '" + p.text("device").substr(0, 64) + "' is not a MAC address");
    return mac->to_string();
}

int http_status(Outcome outcome) {
    switch (outcome) {
    case Outcome::done: return 200;
    case Outcome::created: return 201;
    case Outcome::not_found: return 404;
    case Outcome::conflict: return 409;
    case Outcome::invalid: return 422;
    case Outcome::no_agent:
    case Outcome::busy: return 503;
    case Outcome::failed: return 500;
    }
    return 500;
}

void send_result(httplib::Response& res, ControlResult out) {
    const int status = http_status(out.outcome);
    if (status >= 400 && out.body.is_object() && !out.body.contains("status")) out.body["status"] = status;
    send_json(res, status, out.body);
}

nlohmann::json result_body(ControlResult out) {
    if (out.outcome != Outcome::done)
        throw ApiError(http_status(out.outcome), out.body.value("error", std::string("the controller did not answer")));
    return std::move(out.body);
}

}  // namespace spin::nmf
