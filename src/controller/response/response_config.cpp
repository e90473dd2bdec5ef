#include "controller/response/response_config.h"

#include <algorithm>

#include <fmt/format.h>

namespace spin::controller {

using config::At;
using nmf::Stage;

const std::vector<std::string>& detector_names() {
    static const std::vector<std::string> names{"mirai_scan",        "scan",       "syn_flood",
                                                "udp_flood",         "icmp_flood", "ack_flood",
                                                "dns_water_torture", "volume",     "profile"};
    return names;
}

std::vector<ResponseRule> ResponseConfig::default_rules() {
    return {
        {"mirai_scan", Stage::alert, Stage::quarantine, 0},  // the signature is certain
        {"*", Stage::quarantine, Stage::quarantine, 0},
        {"*", Stage::restrict, Stage::restrict, 0},
        {"*", Stage::alert, Stage::alert, 0},
    };
}

namespace {

double number(const At& at, double min, double max) {
    const double v = at.as<double>("a number");
    if (!(v >= min && v <= max)) at.fail(fmt::format("{} is out of range {}..{}", v, min, max));
    return v;
}

Stage stage(const At& at, bool none_ok) {
    const auto s = nmf::stage_from(at.str());
    if (!s || (*s == Stage::none && !none_ok)) at.fail("must be alert, restrict or quarantine");
    return *s;
}

void thresholds(const At& at, nmf::StageThresholds& t, double max) {
    if (at.has("alert")) t.alert = number(at.child("alert"), 0, max);
    if (at.has("restrict")) t.restrict = number(at.child("restrict"), 0, max);
    if (at.has("quarantine")) t.quarantine = number(at.child("quarantine"), 0, max);
}

std::vector<uint16_t> ports(const At& at) {
    if (!at.node.IsSequence()) at.fail("must be a list of ports");
    std::vector<uint16_t> out;
    for (size_t i = 0; i < at.node.size(); ++i)
        out.push_back(static_cast<uint16_t>(At{at.node[i], fmt::format("{}[{}]", at.path, i)}.uint(1, 65535)));
    return out;
}

}  // namespace

void read_detect_config(const At& at, nmf::DetectConfig& c) {
    at.only({"scan", "flood", "dns_water_torture", "volume", "profile", "realert", "max_devices"});
    if (at.has("realert")) c.realert_s = number(at.child("realert"), 1, 86400);
    if (at.has("max_devices")) c.max_devices = static_cast<uint32_t>(at.child("max_devices").uint(16, 1u << 20));
    if (const At s = at.child("scan"); s.node) {
        s.only({"enabled", "window", "exploit_ports", "exploit_weight", "alert", "restrict", "quarantine"});
        if (s.has("enabled")) c.scan.enabled = s.child("enabled").boolean();
        if (s.has("window")) c.scan.window_s = number(s.child("window"), 0.1, 3600);
        if (s.has("exploit_ports")) c.scan.exploit_ports = ports(s.child("exploit_ports"));
        if (s.has("exploit_weight"))
            c.scan.exploit_weight = static_cast<uint32_t>(s.child("exploit_weight").uint(1, 255));
        thresholds(s, c.scan.thresholds, 1e9);
    }
    if (const At f = at.child("flood"); f.node) {
        f.only({"enabled", "window", "max_return_ratio", "include_local", "alert", "restrict", "quarantine"});
        if (f.has("enabled")) c.flood.enabled = f.child("enabled").boolean();
        if (f.has("window")) c.flood.window_s = number(f.child("window"), 0.1, 3600);
        if (f.has("max_return_ratio")) c.flood.max_return_ratio = number(f.child("max_return_ratio"), 0, 1);
        if (f.has("include_local")) c.flood.include_local = f.child("include_local").boolean();
        thresholds(f, c.flood.thresholds, 1e9);
    }
    if (const At d = at.child("dns_water_torture"); d.node) {
        d.only({"enabled", "window", "min_error_ratio", "alert", "restrict", "quarantine"});
        if (d.has("enabled")) c.dns_water_torture.enabled = d.child("enabled").boolean();
        if (d.has("window")) c.dns_water_torture.window_s = number(d.child("window"), 0.1, 3600);
        if (d.has("min_error_ratio")) c.dns_water_torture.min_error_ratio = number(d.child("min_error_ratio"), 0, 1);
        thresholds(d, c.dns_water_torture.thresholds, 1e9);
    }
    if (const At v = at.child("volume"); v.node) {
        v.only(
            {"enabled", "warmup_hours", "history_hours", "min_bytes", "min_factor", "alert", "restrict", "quarantine"});
        if (v.has("enabled")) c.volume.enabled = v.child("enabled").boolean();
        if (v.has("warmup_hours")) c.volume.warmup_hours = static_cast<uint32_t>(v.child("warmup_hours").uint(1, 8760));
        if (v.has("history_hours"))
            c.volume.history_hours = static_cast<uint32_t>(v.child("history_hours").uint(24, 8760));
        if (v.has("min_bytes")) c.volume.min_bytes = number(v.child("min_bytes"), 0, 1e15);
        if (v.has("min_factor")) c.volume.min_factor = number(v.child("min_factor"), 1, 1e6);
        thresholds(v, c.volume.thresholds, 1e6);
        if (c.volume.warmup_hours > c.volume.history_hours) v.fail("warmup_hours must not exceed history_hours");
    }
    if (const At p = at.child("profile"); p.node) {
        p.only({"enabled", "alert", "restrict", "quarantine"});
        if (p.has("enabled")) c.profile.enabled = p.child("enabled").boolean();
        thresholds(p, c.profile.thresholds, 1e6);
    }
}

void read_response_config(const At& at, ResponseConfig& c) {
    at.only({"rules", "learn_days"});
    if (at.has("learn_days")) c.learn_days = number(at.child("learn_days"), 0.01, 365);
    if (const At rules = at.child("rules"); rules.node) {
        if (!rules.node.IsSequence()) rules.fail("must be a list of rules ({detector, at, then, for})");
        c.rules.clear();
        for (size_t i = 0; i < rules.node.size(); ++i) {
            const At r{rules.node[i], fmt::format("{}[{}]", rules.path, i)};
            r.only({"detector", "at", "then", "for"});
            ResponseRule rule;
            if (r.has("detector")) {
                rule.detector = r.child("detector").str();
                const auto& names = nmf::detector_names();
                if (rule.detector != "*" && std::find(names.begin(), names.end(), rule.detector) == names.end())
                    r.child("detector")
                        .fail(fmt::format("unknown detector '{}' (expected * or one of: {})", rule.detector,
                                          fmt::join(names, ", ")));
            }
            if (!r.has("then")) r.fail("a rule needs 'then' (alert, restrict or quarantine)");
            if (r.has("at")) rule.at = stage(r.child("at"), false);
            rule.then = stage(r.child("then"), false);
            if (r.has("for")) rule.duration = number(r.child("for"), 0, 10.0 * 365 * 86400);
            c.rules.push_back(std::move(rule));
        }
    }
}

}  // namespace spin::controller
