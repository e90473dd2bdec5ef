#include "nmf/api/override_request.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/mac_address.h"
#include "nmf/detect/detect_config.h"
#include "nmf/detect/stage.h"

namespace spin::nmf {

using nlohmann::json;

std::variant<OverrideRequest, std::string> parse_override_request(const json& body) {
    if (!body.is_object()) return std::string("the body must be a JSON object");
    static const std::vector<std::string> keys{"device", "detector", "action", "stage", "duration", "reason"};
    for (const auto& [k, v] : body.items())
        if (std::find(keys.begin(), keys.end(), k) == keys.end())
            return fmt::format("unknown field '{}' (expected device, detector, action, stage, duration, reason)",
                               k.substr(0, 64));
    OverrideRequest o;
    const auto mac = body.contains("device") && body["device"].is_string()
                         ? MacAddress::parse(body["device"].get<std::string>())
                         : std::nullopt;
    if (!mac || mac->is_group() || mac->is_zero())
        return std::string("'device' must be a device's MAC, aa:bb:cc:dd:ee:ff");
    o.device = mac->to_string();
    if (!body.contains("action") || !body["action"].is_string() ||
        (body["action"] != "allow" && body["action"] != "pin"))
        return std::string("'action' must be \"allow\" or \"pin\"");
    o.action = body["action"].get<std::string>();
    if (body.contains("detector")) {
        if (!body["detector"].is_string()) return std::string("'detector' must be a string");
        o.detector = body["detector"].get<std::string>();
        const auto& names = detector_names();
        if (o.detector != "*" && std::find(names.begin(), names.end(), o.detector) == names.end())
            return fmt::format("unknown detector '{}' (expected * or one of: {})", o.detector.substr(0, 64),
                               fmt::join(names, ", "));
    }
    if (o.action == "pin") {
        if (!body.contains("stage") || !body["stage"].is_string() || !stage_from(body["stage"].get<std::string>()))
            return std::string("a pin needs 'stage': none, alert, restrict or quarantine");
        o.stage = body["stage"].get<std::string>();
        if (o.detector != "*")
            return std::string("a pin holds the device's stage whatever the detector: leave 'detector' out");
    } else if (body.contains("stage")) {
        return std::string("'stage' goes with \"pin\", not \"allow\"");
    }
    if (body.contains("duration") && !body["duration"].is_null()) {
        if (!body["duration"].is_number() || !(body["duration"].get<double>() > 0) ||
            body["duration"].get<double>() > 10.0 * 365 * 86400)
            return std::string("'duration' must be a number of seconds above 0 (at most ten years), or left out");
        o.duration = body["duration"].get<double>();
    }
    if (body.contains("reason")) {
        if (!body["reason"].is_string()) return std::string("'reason' must be a string");
        o.reason = body["reason"].get<std::string>().substr(0, 500);
    }
    return o;
}

}  // namespace spin::nmf
