// The agent's orders (docs/protocol.md, "Orders"): block, unblock, rules,
// stats, ping.  Text in, text out, so that it is tested and fuzzed without a
// socket; CommandServer carries it over ZeroMQ.  Orders are idempotent and
// every answer carries the version of the block tables in force.  An answer
// to block / unblock is given only after every worker has left the previous
// tables behind (RCU grace period): the order is then in force.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "agent/rule_registry.h"
#include "proto/orders.h"

namespace spin::agent {

using proto::kMaxOrderBytes;
using proto::Order;
using proto::parse_order;

class OrderHandler {
public:
    struct Hooks {
        std::function<nlohmann::json()> stats;                              // counters for 'stats'
        std::function<std::pair<uint64_t, uint64_t>(uint16_t)> rule_drops;  // packets, bytes dropped by a rule
        std::function<void(const std::string& op, const nlohmann::json& rule)> on_change;  // block / unblock
        std::function<void()> persist;  // the rules changed: keep them before the answer goes out
    };
    OrderHandler(RuleRegistry& rules, std::string agent_id, uint64_t boot_us, Hooks hooks);

    // Never throws: every failure is an error answer.
    std::string handle(const std::string& request);

    uint64_t orders() const { return orders_; }
    uint64_t errors() const { return errors_; }

private:
    nlohmann::json execute(const Order& order);
    nlohmann::json describe(const RuleInfo& r) const;

    RuleRegistry& rules_;
    std::string agent_;
    uint64_t boot_us_;
    Hooks hooks_;
    uint64_t orders_ = 0, errors_ = 0;
};

}  // namespace spin::agent
