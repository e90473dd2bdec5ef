#include "agent/order_handler.h"

#include <fmt/format.h>

#include "common/wall_clock.h"

namespace spin::agent {

using nlohmann::json;

OrderHandler::OrderHandler(RuleRegistry& rules, std::string agent_id, uint64_t boot_us, Hooks hooks)
    : rules_(rules), agent_(std::move(agent_id)), boot_us_(boot_us), hooks_(std::move(hooks)) {}

json OrderHandler::describe(const RuleInfo& r) const {
    json j = r.rule;
    j["id"] = r.id;
    j["name"] = r.name;
    j["origin"] = r.origin;
    if (r.rule.kind == proto::RuleKind::device_name || r.rule.kind == proto::RuleKind::device_allow ||
        r.rule.kind == proto::RuleKind::device_policy)
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
        if (added.changed && hooks_.persist) hooks_.persist();
        a["rule"] = describe(*rules_.find(added.id));
        if (added.changed && hooks_.on_change) hooks_.on_change("block", a["rule"]);
    } else {  // unblock
        json gone;
        const uint16_t id = o.rule_id ? *o.rule_id : rules_.id_of(*o.rule);
        const RuleInfo* r = id != 0 ? rules_.find(id) : nullptr;
        if (r != nullptr) gone = describe(*r);
        // The agent's own YAML rules are changed by its YAML only: a
        // controller that ordered the same rule and lifts it (its view of
        // the agent's boot may lag a restart) must not take them away.
        const bool own = r != nullptr && r->origin == "config";
        if (own) a["rule"] = gone;
        const bool removed = r != nullptr && !own && rules_.remove(id);
        if (rules_.dirty()) rules_.commit();
        a["changed"] = removed;
        if (removed && hooks_.persist) hooks_.persist();
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
