#include "proto/orders.h"

#include <fmt/format.h>

namespace spin::proto {

using nlohmann::json;

std::string parse_order(const std::string& text, Order& out) {
    out = Order{};
    if (text.size() > kMaxOrderBytes)
        return fmt::format("order of {} bytes is over the limit of {}", text.size(), kMaxOrderBytes);
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return "order is not valid JSON";
    if (!j.is_object()) return "order must be a JSON object";
    if (j.contains("id")) {
        const auto& id = j["id"];
        if (id.is_string())
            out.id = id.get<std::string>();
        else if (id.is_number_integer())
            out.id = id.dump();
        else
            return "'id' must be a string or an integer";
        if (out.id.size() > 256) {
            out.id.clear();
            return "'id' is longer than 256 characters";
        }
    }
    if (!j.contains("op") || !j["op"].is_string()) return "order needs 'op' (block, unblock, rules, stats or ping)";
    out.op = j["op"].get<std::string>();
    for (const auto& [key, value] : j.items())
        if (key != "id" && key != "op" && key != "rule" && key != "rule_id")
            return fmt::format("unknown key '{}' (expected id, op, rule, rule_id)", key.substr(0, 64));
    if (out.op == "rules" || out.op == "stats" || out.op == "ping") {
        if (j.contains("rule") || j.contains("rule_id")) return fmt::format("'{}' takes no rule", out.op);
        return {};
    }
    if (out.op != "block" && out.op != "unblock")
        return fmt::format("unknown op '{}' (expected block, unblock, rules, stats or ping)", out.op.substr(0, 64));
    if (out.op == "unblock" && j.contains("rule_id")) {
        if (j.contains("rule")) return "give 'rule' or 'rule_id', not both";
        const auto& id = j["rule_id"];
        if (!id.is_number_unsigned() || id.get<uint64_t>() == 0 || id.get<uint64_t>() > 65535)
            return "'rule_id' must be a rule id, 1..65535";
        out.rule_id = static_cast<uint16_t>(id.get<uint64_t>());
        return {};
    }
    if (!j.contains("rule") || !j["rule"].is_object())
        return fmt::format("'{}' needs 'rule', an object like a blocks entry of the agent YAML{}", out.op,
                           out.op == "unblock" ? " (or 'rule_id')" : "");
    // The rule has the same keys as a `blocks` entry: one parser for both.
    std::string error;
    out.rule = proto::parse_rule(j["rule"], &error);
    return out.rule ? std::string{} : "rule: " + error;
}

void to_json(json& j, const Order& o) {
    j = json{{"op", o.op}};
    if (!o.id.empty()) j["id"] = o.id;
    if (o.rule) j["rule"] = *o.rule;
    if (o.rule_id) j["rule_id"] = *o.rule_id;
}

}  // namespace spin::proto
