// Validation of POST /api/v1/blocks bodies (docs/api.md, "Blocks").
#pragma once

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "nmf/api/controls.h"

namespace spin::nmf {

// The request, or a sentence saying what is wrong with the body.  `now`
// turns a `duration` into an expiry.
std::variant<BlockRequest, std::string> parse_block_request(const nlohmann::json& body, double now);

// "AA-BB-CC-DD-EE-FF" / "aa:bb:..." to "aa:bb:cc:dd:ee:ff"; "" if not a MAC.
std::string normalise_mac(const std::string& text);

}  // namespace spin::nmf
