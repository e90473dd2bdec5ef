#include "controller/response/response.h"

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
    nmf::ControlResult r = mud_.set_mode(a.device, "enforce", now);
    if (r.outcome == nmf::Outcome::done)
        return {{"action", "restrict"},
                {"mud", r.body},
                {"sentence", "SPIN holds it to its MUD profile in enforce mode: only what the profile allows passes"}};
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
    return {{"action", "restrict"},
            {"learnt_from", {{"from", from}, {"to", to}}},
            {"mud", r.body},
            {"sentence", fmt::format("SPIN holds it, in enforce mode, to a profile learnt from what it did in the "
                                     "{:g} days before the alert: only that passes",
                                     config_.learn_days)}};
}

json Response::quarantine(const nmf::Alert& a, const ResponseRule& rule, double now) {
    const proto::Rule rule_q = quarantine_rule(*MacAddress::parse(a.device));
    if (const int64_t id = blocks_.in_force(rule_q)) {
        devices_[a.device].block = id;
        return {{"action", "kept"}, {"block", id}, {"sentence", fmt::format("block {} already quarantines it", id)}};
    }
    nmf::BlockRequest request;
    request.rule = rule_q;
    request.expires = rule.duration > 0 ? now + rule.duration : 0;
    request.reason = fmt::format("SPIN: {} at {} strength", a.detector, a.stage);
    blocks_.create(request, now, [device = a.device](nmf::ControlResult r) {
        if (r.outcome != nmf::Outcome::created && r.outcome != nmf::Outcome::done)
            log_warn("the quarantine of {} was not acknowledged: {}", device, r.body.dump());
    });
    const int64_t id = blocks_.in_force(rule_q);
    if (id == 0)
        return {{"action", "none"},
                {"sentence", "SPIN could not order its quarantine: no agent has a command channel"}};
    devices_[a.device].block = id;
    return {{"action", "quarantine"},
            {"block", id},
            {"expires", request.expires == 0 ? json(nullptr) : json(request.expires)},
            {"sentence", fmt::format("SPIN quarantined it {} (block {}, on every agent that sees it; lift it with "
                                     "`spinctl unblock {}`)",
                                     duration_text(rule.duration), id, id)}};
}

void Response::keep_reflex_quarantine(const nmf::Alert& alert, double now) {
    const auto mac = MacAddress::parse(alert.device);
    const proto::Rule rule = quarantine_rule(*mac);
    json evidence = {{"alert", alert.fields()}, {"agent", alert.agent}};
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
    nmf::BlockRequest request;
    request.rule = rule;
    request.reason = fmt::format("agent {}'s reflex: {}", alert.agent, alert.detector);
    // The answer comes once the agents acknowledged (later): only a failure is worth a line.
    blocks_.create(request, now, [device = alert.device](nmf::ControlResult r) {
        if (r.outcome != nmf::Outcome::created && r.outcome != nmf::Outcome::done)
            log_warn("cannot keep the reflex's quarantine of {}: {}", device, r.body.dump());
    });
    const int64_t created = blocks_.in_force(rule);
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

}  // namespace spin::controller
