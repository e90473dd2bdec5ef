#include "nmf/api/block_request.h"

#include <set>

#include "nmf/api/time_param.h"

namespace spin::nmf {

using nlohmann::json;
using proto::RuleKind;

namespace {

bool orderable(RuleKind kind) {
    return kind == RuleKind::quarantine || kind == RuleKind::device_remote || kind == RuleKind::device_name;
}

}  // namespace

std::optional<proto::Rule> block_rule(const json& block, std::string* error) {
    json rule = json::object();
    for (const char* key : {"type", "mac", "remote", "domain", "policy"})
        if (block.contains(key)) rule[key] = block[key];
    return proto::parse_rule(rule, error);
}

std::variant<BlockRequest, std::string> parse_block_request(const json& body, double now) {
    if (!body.is_object()) return std::string("the body must be a JSON object");
    static const std::set<std::string> known = {"mac", "type", "remote", "domain", "expires", "duration", "reason"};
    for (const auto& [key, value] : body.items())
        if (!known.count(key))
            return "unknown field '" + key.substr(0, 64) +
                   "' (expected mac, type, remote, domain, expires, duration, reason)";
    for (const char* key : {"mac", "type", "remote", "domain", "reason"})
        if (body.contains(key) && !body[key].is_string()) return std::string("'") + key + "' must be a string";
    if (!body.contains("mac")) return std::string("'mac' is required: the device to block");
    const std::string type = body.value("type", "quarantine");
    const auto kind = proto::rule_kind_from(type);
    if (!kind || !orderable(*kind))
        return "'type': '" + type.substr(0, 64) + "' is not a block type (quarantine, device_remote or device_name)";
    if (body.contains("remote") && *kind != RuleKind::device_remote)
        return std::string("'remote' is only for type device_remote");
    if (body.contains("domain") && *kind != RuleKind::device_name)
        return std::string("'domain' is only for type device_name");
    json rule = body;
    rule["type"] = proto::to_string(*kind);
    std::string error;
    auto parsed = block_rule(rule, &error);
    if (!parsed) return error;
    BlockRequest r;
    r.rule = std::move(*parsed);
    if (body.contains("expires") && body.contains("duration"))
        return std::string("give either 'expires' or 'duration', not both");
    if (body.contains("expires")) {
        const json& e = body["expires"];
        const auto t = e.is_number()   ? std::optional<double>(e.get<double>())
                       : e.is_string() ? parse_time(e.get<std::string>())
                                       : std::nullopt;
        if (!t) return std::string("'expires' must be seconds since the epoch or an ISO 8601 time");
        if (*t <= now) return std::string("'expires' is in the past");
        r.expires = *t;
    }
    if (body.contains("duration")) {
        const json& d = body["duration"];
        if (!d.is_number() || !(d.get<double>() > 0) || d.get<double>() > 100.0 * 365 * 86400)
            return std::string("'duration' must be a positive number of seconds");
        r.expires = now + d.get<double>();
    }
    if (body.contains("reason")) {
        r.reason = body["reason"].get<std::string>();
        if (r.reason.size() > 1024) return std::string("'reason' is longer than 1024 characters");
    }
    return r;
}

}  // namespace spin::nmf
