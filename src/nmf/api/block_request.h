// Validation of POST /api/v1/blocks bodies (docs/api.md, "Blocks"): a rule
// (proto/rule.h) of a kind the API can order, with an expiry and a reason.
#pragma once

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "nmf/api/controls.h"

namespace spin::nmf {

// The request, or a sentence saying what is wrong with the body.  `now`
// turns a `duration` into an expiry.
std::variant<BlockRequest, std::string> parse_block_request(const nlohmann::json& body, double now);

// The rule of a block as the API shows it and the store keeps it (also one
// written by an older controller, with type "remote" or "name"); nullopt and
// *error if it holds none.
std::optional<proto::Rule> block_rule(const nlohmann::json& block, std::string* error);

}  // namespace spin::nmf
