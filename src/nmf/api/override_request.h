// Validation of POST /api/v1/overrides bodies (docs/api.md, "Overrides"):
// allow a device (exempt it from a detector, or all), or pin its stage.
#pragma once

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "nmf/api/controls.h"

namespace spin::nmf {

// The request, or a sentence naming the field that is wrong.
std::variant<OverrideRequest, std::string> parse_override_request(const nlohmann::json& body);

}  // namespace spin::nmf
