// The agent's orders (docs/protocol.md, "Orders"), defined once: the
// controller and the agent's command channel both use this type and its
// JSON.  The answers are described in docs/protocol.md; their fields depend
// on the op.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "proto/rule.h"

namespace spin::proto {

inline constexpr size_t kMaxOrderBytes = 1 << 20;  // a MUD policy of a few hundred entries fits

struct Order {
    std::string id;                   // echoed in the answer; "" when the order had none
    std::string op;                   // block, unblock, rules, stats, ping
    std::optional<Rule> rule;         // block, unblock
    std::optional<uint16_t> rule_id;  // unblock by id
};

// Reads and checks an order's text.  Returns "" or what is wrong (out.id is
// set whenever the text got that far, so the error answer can carry it).
std::string parse_order(const std::string& text, Order& out);

// The order as the wire has it ("id" only when set).
void to_json(nlohmann::json& j, const Order& order);

}  // namespace spin::proto
