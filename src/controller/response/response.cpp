#include "controller/response/response.h"

#include <vector>

#include <fmt/format.h>

#include "common/log.h"
#include "common/mac_address.h"

namespace spin::controller {

using nlohmann::json;
using nmf::Stage;

namespace {

proto::Rule quarantine_rule(const MacAddress& mac) {
    proto::Rule rule;
    rule.kind = proto::RuleKind::quarantine;
    rule.mac = mac;
    return rule;
}

std::string duration_text(double s) {
    if (s <= 0) return "until lifted";
    if (s < 120) return fmt::format("for {:.0f} s", s);
    if (s < 7200) return fmt::format("for {:.0f} min", s / 60);
    return fmt::format("for {:.1f} h", s / 3600);
}

}  // namespace

Stage Response::stage(const std::string& mac) const {
    const auto it = devices_.find(mac);
    return it == devices_.end() ? Stage::none : it->second.stage;
}

const ResponseRule* Response::rule_for(const nmf::Alert& a) const {
    const Stage strength = nmf::stage_from(a.stage).value_or(Stage::none);
    for (const ResponseRule& r : config_.rules)
        if ((r.detector == "*" || r.detector == a.detector) && strength >= r.at) return &r;
    return nullptr;
}

void Response::on_alert(const nmf::Alert& a, double now) {
    if (!MacAddress::parse(a.device)) return;
    if (!a.agent.empty() && a.stage == "quarantine") {
        keep_reflex_quarantine(a, now);
        return;
    }
    // The user's word first: the alert is told (it is an event already), nothing more.
    if (overrides_.pin(a.device) != nullptr || overrides_.allow(a.device, a.detector) != nullptr) return;
    const ResponseRule* rule = rule_for(a);
    if (rule == nullptr) return;
    const Stage current = stage(a.device);
    if (rule->then <= current) return;  // already there: the alert event is enough
    json evidence = {{"alert", a.fields()},
                     {"rule",
                      {{"detector", rule->detector},
                       {"at", to_string(rule->at)},
                       {"then", to_string(rule->then)},
                       {"for", rule->duration}}}};
    std::string done;
    switch (rule->then) {
    case Stage::alert:
        evidence["action"] = "alert";
        done = "SPIN tells you and watches it";
        break;
    case Stage::restrict: {
        json r = restrict(a, now);
        if (rule->duration > 0) devices_[a.device].restricted_until = now + rule->duration;
        done = r.value("sentence", std::string("SPIN could not restrict it"));
        r.erase("sentence");
        evidence.update(r);
        break;
    }
    case Stage::quarantine: {
        json q = quarantine(a, *rule, now);
        done = q.value("sentence", std::string("SPIN could not quarantine it"));
        q.erase("sentence");
        evidence.update(q);
        break;
    }
    default: return;
    }
    const Stage reached = evidence.value("action", std::string()) == "none" ? current : rule->then;
    if (reached > current) set_stage(a.device, reached, a.detector);
    decision(a, reached, std::move(evidence),
             fmt::format("{} Detector {} at {} strength, rule \"{} at {} -> {}\": {}.", a.message, a.detector, a.stage,
                         rule->detector, to_string(rule->at), to_string(rule->then), done));
}

json Response::restrict(const nmf::Alert& a, double now) {
    const nmf::ControlResult before = mud_.conformance(a.device);
    const json mode = before.body.is_object() ? before.body.value("mode", json()) : json();
    nmf::ControlResult r = mud_.set_mode(a.device, "enforce", now);
    if (r.outcome == nmf::Outcome::done) {
        devices_[a.device].restricted_from = mode.is_string() ? mode.get<std::string>() : "monitor";
        return {{"action", "restrict"},
                {"mud", r.body},
                {"sentence", "SPIN holds it to its MUD profile in enforce mode: only what the profile allows passes"}};
    }
    // No profile: one learnt from what it did before the alert.
    const double to = a.first, from = to - config_.learn_days * 86400;
    nmf::ControlResult learnt = mud_.learn(a.device, from, to, now);
    if (learnt.outcome != nmf::Outcome::done) {
        log_warn("restrict {}: no MUD profile and nothing to learn one from: {}", a.device, learnt.body.dump());
        return {{"action", "none"},
                {"error", learnt.body.value("error", std::string("no profile"))},
                {"sentence",
                 "SPIN could not restrict it: it has no MUD profile and no traffic before the alert to "
                 "learn one from"}};
    }
    nmf::MudRequest request;
    request.mac = a.device;
    request.profile = learnt.body.dump();
    request.mode = "enforce";
    r = mud_.assign(request, now);
    if (r.outcome != nmf::Outcome::done && r.outcome != nmf::Outcome::created)
        return {{"action", "none"},
                {"error", r.body.value("error", std::string("the learnt profile was refused"))},
                {"sentence", "SPIN could not restrict it: the profile learnt from it was refused"}};
    devices_[a.device].restricted_from = "learnt";
    return {{"action", "restrict"},
            {"learnt_from", {{"from", from}, {"to", to}}},
            {"mud", r.body},
            {"sentence", fmt::format("SPIN holds it, in enforce mode, to a profile learnt from what it did in the "
                                     "{:g} days before the alert: only that passes",
                                     config_.learn_days)}};
}

int64_t Response::order_quarantine(const std::string& device, const std::string& reason, double expires, double now) {
    nmf::BlockRequest request;
    request.rule = quarantine_rule(*MacAddress::parse(device));
    request.expires = expires;
    request.reason = reason;
    // The answer comes once the agents acknowledged (later): only a failure is worth a line.
    blocks_.create(request, now, [device](nmf::ControlResult r) {
        if (r.outcome != nmf::Outcome::created && r.outcome != nmf::Outcome::done)
            log_warn("the quarantine of {} was not acknowledged: {}", device, r.body.dump());
    });
    return blocks_.in_force(request.rule);
}

json Response::quarantine(const nmf::Alert& a, const ResponseRule& rule, double now) {
    if (const int64_t id = blocks_.in_force(quarantine_rule(*MacAddress::parse(a.device)))) {
        devices_[a.device].block = id;
        return {{"action", "kept"}, {"block", id}, {"sentence", fmt::format("block {} already quarantines it", id)}};
    }
    const double expires = rule.duration > 0 ? now + rule.duration : 0;
    const int64_t id =
        order_quarantine(a.device, fmt::format("SPIN: {} at {} strength", a.detector, a.stage), expires, now);
    if (id == 0)
        return {{"action", "none"},
                {"sentence", "SPIN could not order its quarantine: no agent has a command channel"}};
    devices_[a.device].block = id;
    return {{"action", "quarantine"},
            {"block", id},
            {"expires", expires == 0 ? json(nullptr) : json(expires)},
            {"sentence", fmt::format("SPIN quarantined it {} (block {}, on every agent that sees it; lift it with "
                                     "`spinctl unblock {}`)",
                                     duration_text(rule.duration), id, id)}};
}

void Response::keep_reflex_quarantine(const nmf::Alert& alert, double now) {
    const auto mac = MacAddress::parse(alert.device);
    const proto::Rule rule = quarantine_rule(*mac);
    json evidence = {{"alert", alert.fields()}, {"agent", alert.agent}};
    const std::string reflex_reason = fmt::format("agent {}'s reflex: {}", alert.agent, alert.detector);
    const Override* word = overrides_.pin(alert.device);
    if (word == nullptr) word = overrides_.allow(alert.device, alert.detector);
    if (word != nullptr && !(word->action == "pin" && word->stage == Stage::quarantine)) {
        // The user has the last word: the agent's rule is adopted and lifted at once, at every agent.
        int64_t id = blocks_.in_force(rule);
        if (id == 0) id = order_quarantine(alert.device, reflex_reason, 0, now);
        if (id != 0) blocks_.remove(id, fmt::format("override {}", word->id), now, [](nmf::ControlResult) {});
        evidence["action"] = "lifted";
        evidence["override"] = word->to_json();
        decision(alert, stage(alert.device), std::move(evidence),
                 fmt::format("Agent {}'s reflex quarantined {} (Mirai's scan signature); SPIN lifted it at once, as "
                             "your override {} says ({} {}).",
                             alert.agent, alert.device, word->id, word->action,
                             word->action == "pin" ? to_string(word->stage) : word->detector));
        return;
    }
    if (const int64_t id = blocks_.in_force(rule)) {
        evidence["block"] = id;
        evidence["action"] = "kept";
        devices_[alert.device].block = id;
        set_stage(alert.device, Stage::quarantine, alert.detector);
        decision(alert, Stage::quarantine, std::move(evidence),
                 fmt::format("{} stays quarantined: block {} already holds it (agent {}'s reflex saw Mirai's scan "
                             "signature). Lift it with `spinctl unblock {}`.",
                             alert.device, id, alert.agent, id));
        return;
    }
    const int64_t created = order_quarantine(alert.device, reflex_reason, 0, now);
    evidence["block"] = created;
    evidence["action"] = created != 0 ? "quarantine" : "none";
    // The agent's own rule holds the device whatever the controller could order.
    devices_[alert.device].block = created;
    set_stage(alert.device, Stage::quarantine, alert.detector);
    if (created != 0)
        decision(alert, Stage::quarantine, std::move(evidence),
                 fmt::format("SPIN keeps {} quarantined, as agent {}'s reflex decided on Mirai's scan signature: "
                             "block {} holds it on every agent that sees it. Lift it with `spinctl unblock {}`.",
                             alert.device, alert.agent, created, created));
    else
        decision(alert, Stage::quarantine, std::move(evidence),
                 fmt::format("SPIN could not order {}'s quarantine to its agents (no command channel); only agent "
                             "{}'s own rule holds it.",
                             alert.device, alert.agent));
}

void Response::tick(double now) {
    if (now - last_tick_ < 1) return;
    if (last_tick_ == 0) {
        // After a restart: the stages the store kept, and the blocks that hold them.
        for (const auto& [mac, d] : recorder_.model().devices()) {
            const Stage s = nmf::stage_from(d.stage).value_or(Stage::none);
            if (s == Stage::none) continue;
            DeviceState& state = devices_[mac];
            state.stage = s;
            if (const auto m = MacAddress::parse(mac)) state.block = blocks_.in_force(quarantine_rule(*m));
        }
    }
    last_tick_ = now;
    for (const Override& o : overrides_.expire(now)) {
        log_info("override {} of {} lapsed", o.id, o.device);
        recorder_.note("user_action", now, o.device, "", {{"change", {{"override_lapsed", o.to_json()}}}});
    }
    // A restriction whose rule's time ran out.
    std::vector<std::string> lapsed;
    for (const auto& [mac, d] : devices_)
        if (d.stage == Stage::restrict && d.restricted_until != 0 && now >= d.restricted_until) lapsed.push_back(mac);
    for (const std::string& mac : lapsed) {
        devices_[mac].restricted_until = 0;
        move_to(mac, Stage::alert, "the restrict rule's time ran out", now);
    }
    // A quarantine the owner lifted (or that expired): the device is back to being watched.
    for (auto& [mac, d] : devices_)
        if (d.stage == Stage::quarantine && d.block != 0 && !blocks_.find(d.block)) {
            log_info("{}: quarantine (block {}) lifted; back to alert", mac, d.block);
            d.block = 0;
            d.stage = Stage::alert;
            recorder_.set_stage(mac, to_string(Stage::alert));
        }
}

void Response::set_stage(const std::string& mac, Stage stage, const std::string& detector) {
    if (devices_.size() >= kMaxDevices && !devices_.count(mac)) {
        // Made-up MACs that each alert: forget devices that are only at alert (nothing to undo).
        for (auto it = devices_.begin(); it != devices_.end();)
            it = it->second.stage <= Stage::alert && it->second.block == 0 && it->second.restricted_from.empty()
                     ? devices_.erase(it)
                     : std::next(it);
    }
    DeviceState& d = devices_[mac];
    d.stage = stage;
    d.detector = detector;
    recorder_.set_stage(mac, to_string(stage));
}

void Response::decision(const nmf::Alert& alert, Stage stage, json evidence, const std::string& message) {
    json doc = {{"detector", alert.detector},
                {"stage", to_string(stage)},
                {"first", alert.first},
                {"evidence", std::move(evidence)},
                {"message", message}};
    log_info("decision: {}", message);
    recorder_.note("decision", alert.time, alert.device, "", std::move(doc));
}

void Response::move_to(const std::string& mac, Stage target, const std::string& why, double now) {
    DeviceState& d = devices_[mac];
    const Stage from = d.stage;
    json evidence = {{"action", "moved"}, {"from", to_string(from)}, {"why", why}};
    if (target < Stage::quarantine && d.block != 0) {
        blocks_.remove(d.block, why, now, [](nmf::ControlResult) {});
        evidence["lifted_block"] = d.block;
        d.block = 0;
    }
    if (target < Stage::restrict && !d.restricted_from.empty()) {
        const nmf::ControlResult r =
            d.restricted_from == "learnt" ? mud_.remove(mac, now) : mud_.set_mode(mac, d.restricted_from, now);
        evidence["mud"] = r.body;
        d.restricted_from.clear();
    }
    nmf::Alert a;
    a.device = mac;
    a.detector = "override";
    a.first = a.time = now;
    if (target == Stage::quarantine && from < Stage::quarantine) {
        const ResponseRule pinned{"*", Stage::alert, Stage::quarantine, 0};
        const json q = quarantine(a, pinned, now);
        evidence["block"] = q.value("block", json());
    } else if (target == Stage::restrict && from < Stage::restrict) {
        json r = restrict(a, now);
        r.erase("sentence");
        evidence["restrict"] = std::move(r);
    }
    set_stage(mac, target, "override");
    decision(a, target, std::move(evidence),
             fmt::format("{} goes from stage {} to {}: {}.", mac, to_string(from), to_string(target), why));
}

nmf::ControlResult Response::overrides(const std::string& device) const {
    return {nmf::Outcome::done, overrides_.list(device)};
}

nmf::ControlResult Response::create_override(const nmf::OverrideRequest& request, double now) {
    int64_t replaced = 0;
    const Override o = overrides_.add(Override::from(request, now), &replaced);
    json doc = o.to_json();
    if (replaced != 0) doc["replaced"] = replaced;
    recorder_.confirm_device(o.device);
    recorder_.note("user_action", now, o.device, "", {{"change", {{"override", doc}}}});
    const std::string why = fmt::format("override {} ({})", o.id, o.reason.empty() ? "the user's" : o.reason);
    const DeviceState& d = devices_[o.device];
    if (o.action == "pin" && o.stage != d.stage)
        move_to(o.device, o.stage, fmt::format("pinned at {} by {}", to_string(o.stage), why), now);
    else if (o.action == "allow" && d.stage > Stage::alert && (o.detector == "*" || o.detector == d.detector))
        move_to(o.device, Stage::alert,
                fmt::format("{} allowed by {}", o.detector == "*" ? "every detector" : o.detector, why), now);
    return {nmf::Outcome::created, std::move(doc)};
}

nmf::ControlResult Response::remove_override(int64_t id, double now) {
    const auto o = overrides_.remove(id, now, "deleted by the user");
    if (!o) return {nmf::Outcome::not_found, {{"error", "no override " + std::to_string(id) + " in force"}}};
    json doc = o->to_json();
    doc["removed"] = now;
    recorder_.note("user_action", now, o->device, "", {{"change", {{"override_removed", doc}}}});
    return {nmf::Outcome::done, std::move(doc)};
}

}  // namespace spin::controller
