#include "agent/order_handler.h"

#include <fmt/format.h>

#include "common/wall_clock.h"

namespace spin::agent {

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

OrderHandler::OrderHandler(RuleRegistry& rules, std::string agent_id, uint64_t boot_us, Hooks hooks)
    : rules_(rules), agent_(std::move(agent_id)), boot_us_(boot_us), hooks_(std::move(hooks)) {}

json OrderHandler::describe(const RuleInfo& r) const {
    json j = r.rule;
    j["id"] = r.id;
    j["name"] = r.name;
    j["origin"] = r.origin;
    if (r.rule.kind == proto::RuleKind::device_name || r.rule.kind == proto::RuleKind::device_allow)
        j["resolved"] = r.resolved;
    if (hooks_.rule_drops) {
        const auto [pkts, bytes] = hooks_.rule_drops(r.id);
        j["dropped_pkts"] = pkts;
        j["dropped_bytes"] = bytes;
    }
    return j;
}

json OrderHandler::execute(const Order& o) {
    json a{{"ok", true}};
    if (o.op == "ping") {
        a["agent"] = agent_;
        a["boot"] = static_cast<double>(boot_us_) / 1e6;
    } else if (o.op == "stats") {
        a["stats"] = hooks_.stats ? hooks_.stats() : json::object();
    } else if (o.op == "rules") {
        json list = json::array();
        for (const auto& r : rules_.snapshot()) list.push_back(describe(r));
        a["rules"] = std::move(list);
    } else if (o.op == "block") {
        const auto added = rules_.add(*o.rule, "order");
        if (rules_.dirty()) rules_.commit();
        a["changed"] = added.changed;
        a["rule"] = describe(*rules_.find(added.id));
        if (added.changed && hooks_.on_change) hooks_.on_change("block", a["rule"]);
    } else {  // unblock
        json gone;
        const uint16_t id = o.rule_id ? *o.rule_id : rules_.id_of(*o.rule);
        if (const RuleInfo* r = id != 0 ? rules_.find(id) : nullptr) gone = describe(*r);
        const bool removed = id != 0 && rules_.remove(id);
        if (rules_.dirty()) rules_.commit();
        a["changed"] = removed;
        if (removed) {
            a["rule"] = gone;
            if (hooks_.on_change) hooks_.on_change("unblock", gone);
        }
    }
    return a;
}

std::string OrderHandler::handle(const std::string& request) {
    ++orders_;
    Order o;
    json answer;
    const std::string err = parse_order(request, o);
    if (!err.empty()) {
        answer = {{"ok", false}, {"error", err}};
    } else {
        try {
            answer = execute(o);
        } catch (const std::exception& e) {
            answer = {{"ok", false}, {"error", e.what()}};
        }
    }
    if (!answer["ok"].get<bool>()) ++errors_;
    answer["id"] = o.id;
    answer["version"] = rules_.version();
    // When the answer left: the order is in force on every worker from then on.
    answer["time"] = epoch_seconds_now();
    return answer.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace spin::agent
