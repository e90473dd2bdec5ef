#include "agent/reflex_handler.h"

#include <set>

#include <fmt/format.h>

#include "common/ip_prefix.h"
#include "common/log.h"
#include "common/mac_address.h"

namespace spin::agent {

namespace {

std::string ipv4_text(const uint8_t* addr) { return IpPrefix::host(4, addr).address_text(); }

}  // namespace

ReflexHandler::ReflexHandler(const dp::ScanReflexConfig& config, std::string agent_id, RuleRegistry& rules,
                             EventPublisher& events, std::function<void()> persist)
    : config_(config), agent_(std::move(agent_id)), rules_(rules), events_(events), persist_(std::move(persist)) {}

unsigned ReflexHandler::poll(const std::vector<std::unique_ptr<dp::Worker>>& workers) {
    if (config_.mode == dp::ReflexMode::off) return 0;
    unsigned total = 0;
    dp::ScanAlarm alarms[16];
    for (const auto& w : workers)
        for (unsigned n; (n = w->reflex().take_alarms(alarms, 16)) != 0; total += n)
            for (unsigned i = 0; i < n; ++i) handle(alarms[i]);
    return total;
}

void ReflexHandler::handle(const dp::ScanAlarm& a) {
    ++trips_;
    uint16_t rule_id = 0;
    if (config_.mode == dp::ReflexMode::quarantine) {
        proto::Rule rule;
        rule.kind = proto::RuleKind::quarantine;
        rule.mac = MacAddress(a.mac);
        rule.name = "reflex mirai_scan " + rule.mac.to_string();
        try {
            const auto added = rules_.add(rule, "reflex");
            rule_id = added.id;
            if (rules_.dirty()) rules_.commit();
            if (added.changed) {
                if (persist_) persist_();
                const RuleInfo* info = rules_.find(added.id);
                nlohmann::json j = info->rule;
                j["id"] = info->id;
                j["name"] = info->name;
                j["origin"] = info->origin;
                proto::Event e;
                e.time = a.last_us / 1e6;
                e.body = proto::RulesEvent{"block", std::move(j), rules_.version()};
                events_.publish(std::move(e));
            }
        } catch (const std::exception& e) {
            // No rule: the worker's hold stays (the device stays stopped on that worker).
            log_error("reflex: cannot quarantine {}: {}", rule.mac.to_string(), e.what());
        }
    }
    proto::Event e = alert(a, rule_id);
    log_warn("reflex: {}", e.as<proto::AlertEvent>()->message);
    events_.publish(std::move(e));
}

proto::Event ReflexHandler::alert(const dp::ScanAlarm& a, uint16_t rule) const {
    const std::string mac = MacAddress(a.mac).to_string();
    const std::string lan_ip = ipv4_text(a.lan_ip);
    nlohmann::json targets = nlohmann::json::array();
    std::set<uint16_t> ports;
    std::string examples;
    for (unsigned i = 0; i < a.targets && i < dp::ScanAlarm::kTargets; ++i) {
        const std::string ip = ipv4_text(a.target[i].addr);
        targets.push_back({{"ip", ip}, {"port", a.target[i].port}});
        ports.insert(a.target[i].port);
        examples += fmt::format("{}{}:{}", examples.empty() ? "" : ", ", ip, a.target[i].port);
    }
    const bool quarantine = config_.mode == dp::ReflexMode::quarantine;
    const std::string action = !quarantine ? "alert"
                               : a.held    ? "quarantine"
                               : rule != 0 ? "quarantine_by_rule"
                                           : "none";
    const double seconds = (a.last_us - a.first_us) / 1e6;
    std::string port_text;
    for (const uint16_t p : ports) port_text += (port_text.empty() ? "" : "/") + std::to_string(p);
    std::string done;
    if (!quarantine)
        done = "the agent only reports it (reflex mode: alert)";
    else if (a.held)
        done = fmt::format("the agent stopped all its traffic at once and quarantined it (rule {})", rule);
    else if (rule != 0)
        done = fmt::format("the agent quarantined it (rule {}); its worker had no room to hold it before", rule);
    else
        done = "the agent could not quarantine it (see its log)";
    proto::AlertEvent body;
    body.detector = "mirai_scan";
    body.stage = quarantine && (a.held || rule != 0) ? "quarantine" : "alert";
    body.first = a.first_us / 1e6;
    body.evidence = {{"signature", "tcp_seq_equals_destination"},
                     {"syns", a.count},
                     {"threshold", config_.threshold},
                     {"ports", config_.ports},
                     {"lan_ip", lan_ip},
                     {"source_port", a.sport},
                     {"targets", std::move(targets)},
                     {"seconds", seconds},
                     {"worker", a.worker},
                     {"action", action},
                     {"rule", rule}};
    body.message = fmt::format(
        "{} ({}) sent {} TCP SYN{} to port {} whose sequence number equals the destination address, the signature of "
        "Mirai's scanner, in {:.3f} s (first targets {}); {}.",
        mac, lan_ip, a.count, a.count == 1 ? "" : "s", port_text, seconds, examples, done);
    proto::Event e;
    e.time = a.last_us / 1e6;
    e.mac = mac;
    e.side = "lan";
    e.body = std::move(body);
    return e;
}

}  // namespace spin::agent
