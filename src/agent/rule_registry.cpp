#include "agent/rule_registry.h"

#include <cstring>
#include <stdexcept>

namespace spin::agent {

namespace {
bool same_rule(const dp::BlockRule& r, const StaticRule& s) {
    if (r.kind != s.kind) return false;
    switch (s.kind) {
    case dp::RuleKind::quarantine: return std::memcmp(r.mac, s.mac, 6) == 0;
    case dp::RuleKind::device_remote:
        return std::memcmp(r.mac, s.mac, 6) == 0 && r.remote.ip_version == s.remote.ip_version &&
               r.remote.length == s.remote.length && std::memcmp(r.remote.addr, s.remote.addr, 16) == 0;
    case dp::RuleKind::global_remote:
        return r.remote.ip_version == s.remote.ip_version && r.remote.length == s.remote.length &&
               std::memcmp(r.remote.addr, s.remote.addr, 16) == 0;
    case dp::RuleKind::flow: return r.flow == s.flow;
    }
    return false;
}
}  // namespace

uint16_t RuleRegistry::add(const StaticRule& s) {
    for (const auto& r : rules_)
        if (same_rule(r, s)) return r.id;
    if (next_id_ == 0) throw std::runtime_error("too many block rules (65535)");
    dp::BlockRule r;
    r.id = next_id_++;
    r.kind = s.kind;
    std::memcpy(r.mac, s.mac, 6);
    r.remote = s.remote;
    r.flow = s.flow;
    r.name = s.name;
    rules_.push_back(r);
    return r.id;
}

uint32_t RuleRegistry::commit() { return publisher_.publish(rules_); }

std::string RuleRegistry::name(uint32_t id) const {
    for (const auto& r : rules_)
        if (r.id == id) return r.name;
    return id == 0 ? std::string{} : "rule " + std::to_string(id);
}

}  // namespace spin::agent
