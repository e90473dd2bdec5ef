#include "controller/response/response.h"

#include <fmt/format.h>

#include "common/log.h"
#include "common/mac_address.h"

namespace spin::controller {

using nlohmann::json;

void Response::on_alert(const nmf::Alert& alert, double now) {
    if (!alert.agent.empty() && alert.stage == "quarantine") keep_reflex_quarantine(alert, now);
}

void Response::keep_reflex_quarantine(const nmf::Alert& alert, double now) {
    const auto mac = MacAddress::parse(alert.device);
    if (!mac) return;
    proto::Rule rule;
    rule.kind = proto::RuleKind::quarantine;
    rule.mac = *mac;
    json evidence = {{"alert", alert.fields()}, {"agent", alert.agent}};
    if (const int64_t id = blocks_.in_force(rule)) {
        evidence["block"] = id;
        evidence["action"] = "kept";
        decision(alert, "quarantine", std::move(evidence),
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
    if (created != 0)
        decision(alert, "quarantine", std::move(evidence),
                 fmt::format("SPIN keeps {} quarantined, as agent {}'s reflex decided on Mirai's scan signature: "
                             "block {} holds it on every agent that sees it. Lift it with `spinctl unblock {}`.",
                             alert.device, alert.agent, created, created));
    else
        decision(alert, "alert", std::move(evidence),
                 fmt::format("SPIN could not order {}'s quarantine to its agents (no command channel); only agent "
                             "{}'s own rule holds it.",
                             alert.device, alert.agent));
}

void Response::decision(const nmf::Alert& alert, const std::string& stage, json evidence, const std::string& message) {
    json doc = {{"detector", alert.detector},
                {"stage", stage},
                {"first", alert.first},
                {"evidence", std::move(evidence)},
                {"message", message}};
    log_info("decision: {}", message);
    recorder_.note("decision", alert.time, alert.device, "", std::move(doc));
}

}  // namespace spin::controller
