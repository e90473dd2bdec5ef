#include "controller/block_manager.h"

#include <algorithm>

#include "common/log.h"
#include "nmf/api/block_request.h"
#include "nmf/model/device_model.h"
#include "nmf/model/json_fields.h"

namespace spin::controller {

using nlohmann::json;
using nmf::BlockRequest;

namespace {

bool final_state(const std::string& s) { return s == "acknowledged" || s == "refused" || s == "no_command_channel"; }

}  // namespace

BlockManager::BlockManager(const std::string& db_path, std::vector<std::unique_ptr<AgentSession>>& sessions,
                           nmf::Recorder& recorder, double order_timeout)
    : store_(db_path, "blocks"), sessions_(sessions), recorder_(recorder), order_timeout_(order_timeout) {
    // Blocks in force survive a controller restart; what each agent
    // acknowledged does not (it may have restarted too): all are resent.
    for (auto& stored : store_.in_force()) {
        std::string error;
        const auto rule = stored.doc.is_object() ? nmf::block_rule(stored.doc, &error) : std::nullopt;
        if (!rule) {
            log_warn("block {} in the store holds no rule ({}); left out", stored.id,
                     error.empty() ? "not a JSON object" : error);
            continue;
        }
        Block b;
        b.id = stored.id;
        b.created = stored.created;
        b.request.rule = *rule;
        b.request.expires = stored.expires;
        b.request.reason = nmf::json_text(stored.doc, "reason");
        if (stored.doc.contains("agents") && stored.doc["agents"].is_array())
            for (const auto& a : stored.doc["agents"])
                if (a.is_object() && a.contains("agent") && a["agent"].is_string()) b.agents[a["agent"]];
        blocks_.emplace(b.id, std::move(b));
    }
    if (!blocks_.empty()) log_info("{} blocks in force reloaded from the store", blocks_.size());
}

AgentSession* BlockManager::session(const std::string& id) const {
    for (const auto& s : sessions_)
        if (s->id() == id) return s.get();
    return nullptr;
}

proto::Order BlockManager::order(const Block& b, bool block) const {
    proto::Order o;
    o.op = block ? "block" : "unblock";
    o.rule = b.request.rule;
    if (block) o.rule->name = "controller block " + std::to_string(b.id);  // how the agent's records name it
    return o;
}

int64_t BlockManager::in_force(const proto::Rule& rule) const {
    Block probe;
    probe.request.rule = rule;
    const Block* b = same_rule_in_force(probe);
    return b != nullptr ? b->id : 0;
}

const BlockManager::Block* BlockManager::same_rule_in_force(const Block& b) const {
    for (const auto& [id, other] : blocks_)
        if (id != b.id && other.removed == 0 && other.request.rule.same_as(b.request.rule)) return &other;
    return nullptr;
}

json BlockManager::to_json(const Block& b) const {
    json agents = json::array();
    for (const auto& [id, a] : b.agents) {
        json j = {{"agent", id}, {"state", a.state}};
        if (a.rule_id != 0) j["rule_id"] = a.rule_id;
        if (a.version != 0) j["version"] = a.version;
        if (!a.error.empty()) j["error"] = a.error;
        if (!a.note.empty()) j["note"] = a.note;
        agents.push_back(std::move(j));
    }
    json j = b.request.rule;  // type, mac and remote or domain
    j["id"] = b.id;
    j["reason"] = b.request.reason;
    j["created"] = b.created;
    j["expires"] = b.request.expires == 0 ? json(nullptr) : json(b.request.expires);
    j["active"] = b.removed == 0;
    j["agents"] = std::move(agents);
    if (b.removed != 0) {
        j["removed"] = b.removed;
        j["removed_reason"] = b.removed_reason;
    }
    return j;
}

json BlockManager::event_doc(const Block& b) const {
    json j = to_json(b);
    j["block_id"] = b.id;
    j["block_type"] = j["type"];
    return j;
}

void BlockManager::add_targets(Block& b) {
    // The agents that see the device; if none does (yet), every agent that
    // can take orders, so that a device the controller has not met yet is
    // blocked wherever it turns up.
    const nmf::Device* d = recorder_.model().find(b.request.rule.mac.to_string());
    bool any = false;
    if (d != nullptr)
        for (const std::string& agent : d->agents)
            if (session(agent) != nullptr) {
                b.agents.try_emplace(agent);
                any = true;
            }
    if (!any && b.agents.empty())
        for (const auto& s : sessions_) b.agents.try_emplace(s->id());
}

void BlockManager::create(const BlockRequest& request, double now, Done done) {
    bool can_order = false;
    for (const auto& s : sessions_) can_order = can_order || s->commands() != nullptr;
    if (!can_order) {
        done({nmf::Outcome::no_agent,
              {{"error", "no agent has a command channel (agents[].commands), so no block can be ordered"}}});
        return;
    }
    Block b;
    b.request = request;
    // Two requests that mean the same rule (10.0.0.1/24 and 10.0.0.0/24, any
    // MAC case) are one block: the agent would hold one rule for both.
    if (const Block* other = same_rule_in_force(b)) {
        done({nmf::Outcome::conflict,
              {{"error", "block " + std::to_string(other->id) + " already does this; delete it first"},
               {"block", to_json(*other)}}});
        return;
    }
    Block& stored = add(std::move(b), now);
    stored.waiters.push_back(Waiter{now + order_timeout_, nmf::Outcome::created, std::move(done)});
    recorder_.note("block", now, request.rule.mac.to_string(), "", event_doc(stored));
    reconcile(stored, now);
}

BlockManager::Block& BlockManager::add(Block b, double now) {
    b.created = now;
    add_targets(b);
    b.id = store_.insert(now, b.request.expires);
    Block& stored = blocks_.emplace(b.id, std::move(b)).first->second;
    save(stored);
    log_info("block {} ({}) ordered to {} agents", stored.id, stored.request.rule.describe(), stored.agents.size());
    return stored;
}

void BlockManager::remove(int64_t id, const std::string& reason, double now, Done done) {
    const auto it = blocks_.find(id);
    if (it == blocks_.end() || it->second.removed != 0) {
        if (const auto doc = store_.find(id))
            done({nmf::Outcome::conflict,
                  {{"error", "block " + std::to_string(id) + " was already removed"}, {"block", *doc}}});
        else
            done({nmf::Outcome::not_found, {{"error", "no block " + std::to_string(id)}}});
        return;
    }
    Block& b = it->second;
    b.removed = now;
    b.removed_reason = reason;
    // Now the unblock is what must be acknowledged; what the rule was (its
    // origin, in which agent run) still decides whether to remove it.
    for (auto& [agent, a] : b.agents) {
        AgentState fresh;
        fresh.origin = a.origin;
        fresh.boot = a.state == "acknowledged" ? a.boot : 0;
        a = fresh;
    }
    b.waiters.push_back(Waiter{now + order_timeout_, nmf::Outcome::done, std::move(done)});
    save(b);
    recorder_.note("unblock", now, b.request.rule.mac.to_string(), "", event_doc(b));
    log_info("block {} removed ({})", id, reason);
    reconcile(b, now);
}

int64_t BlockManager::set_policy(const proto::Rule& rule, const std::string& reason, double now) {
    for (auto& [id, b] : blocks_) {
        if (b.removed != 0 || !rule.replaces(b.request.rule)) continue;
        if (b.request.rule.same_as(rule)) return id;
        b.request.rule = rule;
        b.request.reason = reason;
        // Every agent gets the new policy; what each had (its origin, its
        // run) still tells a restart from an acknowledgement.
        for (auto& [agent, a] : b.agents) {
            if (!a.order_id.empty()) orders_.erase(a.order_id);
            AgentState fresh;
            fresh.origin = a.origin;
            a = fresh;
        }
        save(b);
        reconcile(b, now);
        return id;
    }
    Block b;
    b.request.rule = rule;
    b.request.reason = reason;
    Block& stored = add(std::move(b), now);
    reconcile(stored, now);
    return stored.id;
}

void BlockManager::remove_policy(const MacAddress& mac, double now) {
    proto::Rule probe;
    probe.kind = proto::RuleKind::device_policy;
    probe.mac = mac;
    for (auto& [id, b] : blocks_)
        if (b.removed == 0 && probe.replaces(b.request.rule)) {
            remove(id, "MUD profile removed", now, [](nmf::ControlResult) {});
            return;
        }
}

std::optional<json> BlockManager::find(int64_t id) const {
    const auto it = blocks_.find(id);
    if (it == blocks_.end() || it->second.removed != 0) return std::nullopt;
    return to_json(it->second);
}

void BlockManager::on_answer(const std::string& agent, const json& answer, double now) {
    // An agent's answer is untrusted JSON: fields of another type read as empty.
    const auto order = orders_.find(nmf::json_text(answer, "id"));
    if (order == orders_.end() || order->second.second != agent) return;  // late, or not ours
    const auto [block_id, agent_id] = order->second;
    orders_.erase(order);
    const auto it = blocks_.find(block_id);
    if (it == blocks_.end()) return;
    AgentState& a = it->second.agents[agent_id];
    a.order_id.clear();
    if (nmf::json_true(answer, "ok")) {
        a.state = "acknowledged";
        a.error.clear();
        a.version = nmf::json_integer(answer, "version");
        if (const auto rule = answer.find("rule"); rule != answer.end() && rule->is_object()) {
            a.rule_id = nmf::json_integer(*rule, "id");
            a.origin = nmf::json_text(*rule, "origin");
        }
    } else {
        a.state = "refused";
        a.error = nmf::json_text(answer, "error").substr(0, 500);
        if (a.error.empty()) a.error = "refused without a reason";
        log_warn("agent {} refused block {}: {}", agent_id, block_id, a.error);
    }
    const AgentSession* s = session(agent_id);
    a.boot = s != nullptr ? s->boot_us() : 0;
    it->second.dirty = true;
    (void)now;
}

void BlockManager::reconcile(Block& b, double now) {
    const bool want_blocked = b.removed == 0;
    if (want_blocked) add_targets(b);
    for (auto& [agent_id, a] : b.agents) {
        AgentSession* s = session(agent_id);
        if (s == nullptr) continue;
        if (s->commands() == nullptr) {
            if (a.state != "no_command_channel") a.state = "no_command_channel", b.dirty = true;
            continue;
        }
        if (!want_blocked && a.state == "pending" && a.origin == "config" && a.boot == s->boot_us()) {
            // The agent's own YAML has this rule: lifting the block must not remove it.
            a.state = "acknowledged";
            a.note = "the agent's configuration has this rule; left in force";
            b.dirty = true;
            continue;
        }
        if (!want_blocked && !final_state(a.state)) {
            // A newer block with the same rule is in force: the agent's one
            // rule is that block's now, so this unblock must never reach it.
            if (const Block* other = same_rule_in_force(b)) {
                if (!a.order_id.empty()) orders_.erase(a.order_id);
                a.order_id.clear();
                a.state = "acknowledged";
                a.note = "block " + std::to_string(other->id) + " has the same rule; left in force";
                b.dirty = true;
                continue;
            }
        }
        if (final_state(a.state)) {
            // A restarted agent lost the rules it was ordered: block again.
            // An unblock it acknowledged, or could not have needed, is done.
            if (!(want_blocked && a.state == "acknowledged" && s->boot_us() != 0 && a.boot != s->boot_us())) continue;
            a.state = "pending";
        }
        if (a.state == "sent") {
            // An agent that restarted since will never answer: resend now.
            const bool restarted = s->boot_us() != 0 && a.boot != 0 && a.boot != s->boot_us();
            if (!restarted && now - a.sent < order_timeout_) continue;
            orders_.erase(a.order_id);
            a.order_id.clear();
            a.state = "unanswered";
            b.dirty = true;
        }
        // Unanswered orders are retried once per order timeout, not per tick.
        if (a.state == "unanswered" && now - a.sent < order_timeout_) continue;
        const auto id = s->send_order(order(b, want_blocked));
        if (!id) {
            if (a.state != "unanswered") a.state = "unanswered", b.dirty = true;
            a.sent = now;
            continue;
        }
        a.state = "sent";
        a.sent = now;
        a.boot = s->boot_us();
        a.order_id = *id;
        orders_[*id] = {b.id, agent_id};
    }
}

bool BlockManager::settled(const Block& b) const {
    return std::all_of(b.agents.begin(), b.agents.end(), [](const auto& kv) { return final_state(kv.second.state); });
}

void BlockManager::tick(double now) {
    std::vector<int64_t> expired;
    for (auto& [id, b] : blocks_)
        if (b.removed == 0 && b.request.expires != 0 && now >= b.request.expires) expired.push_back(id);
    for (int64_t id : expired) remove(id, "expired", now, [](nmf::ControlResult) {});

    for (auto it = blocks_.begin(); it != blocks_.end();) {
        Block& b = it->second;
        reconcile(b, now);
        const bool done = settled(b);
        for (auto w = b.waiters.begin(); w != b.waiters.end();) {
            if (done || now >= w->deadline) {
                w->done({w->outcome, to_json(b)});
                w = b.waiters.erase(w);
            } else {
                ++w;
            }
        }
        if (b.dirty) save(b);
        // A removed block stays until every agent acknowledged the unblock.
        it = b.removed != 0 && done && b.waiters.empty() ? blocks_.erase(it) : std::next(it);
    }
}

void BlockManager::save(Block& b) {
    store_.save(b.id, to_json(b), b.removed);
    b.dirty = false;
}

json BlockManager::list(bool include_removed) const {
    json out = json::array();
    for (const auto& [id, b] : blocks_)
        if (b.removed == 0) out.push_back(to_json(b));
    if (include_removed) {
        for (auto& doc : store_.removed(1000)) out.push_back(std::move(doc));
    }
    return out;
}

size_t BlockManager::active() const {
    return static_cast<size_t>(
        std::count_if(blocks_.begin(), blocks_.end(), [](const auto& kv) { return kv.second.removed == 0; }));
}

}  // namespace spin::controller
