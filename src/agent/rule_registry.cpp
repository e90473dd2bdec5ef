#include "agent/rule_registry.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace spin::agent {

namespace {
bool same_prefix(const dp::IpPrefix& a, const dp::IpPrefix& b) {
    return a.ip_version == b.ip_version && a.length == b.length && std::memcmp(a.addr, b.addr, 16) == 0;
}

// One rule like `r` per address learnt from DNS, each a full-length prefix.
template <typename Set>
void append_addresses(dp::BlockRule r, const Set& addresses, std::vector<dp::BlockRule>& out) {
    for (const auto& [version, addr] : addresses) {
        r.remote = dp::IpPrefix{};
        r.remote.ip_version = version;
        r.remote.length = version == 4 ? 32 : 128;
        std::memcpy(r.remote.addr, addr.data(), 16);
        out.push_back(r);
    }
}
}  // namespace

bool same_rule(const StaticRule& a, const StaticRule& b) {
    if (a.kind != b.kind || a.by_name != b.by_name) return false;
    if (a.by_name) return std::memcmp(a.mac, b.mac, 6) == 0 && a.domain == b.domain;
    switch (a.kind) {
    case dp::RuleKind::quarantine: return std::memcmp(a.mac, b.mac, 6) == 0;
    case dp::RuleKind::device_remote: return std::memcmp(a.mac, b.mac, 6) == 0 && same_prefix(a.remote, b.remote);
    case dp::RuleKind::global_remote: return same_prefix(a.remote, b.remote);
    case dp::RuleKind::flow: return a.flow == b.flow;
    case dp::RuleKind::allow_policy: {
        if (std::memcmp(a.mac, b.mac, 6) != 0 || a.allowed_domains != b.allowed_domains ||
            a.allowed.size() != b.allowed.size())
            return false;
        for (size_t i = 0; i < a.allowed.size(); ++i)
            if (!same_prefix(a.allowed[i], b.allowed[i])) return false;
        return true;
    }
    case dp::RuleKind::allow_remote: return false;  // never a rule of its own
    }
    return false;
}

RuleRegistry::Added RuleRegistry::add(const StaticRule& s, const std::string& origin) {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_) {
        if (same_rule(e.info.spec, s)) return {e.info.id, false};
        // Two allow policies for one device would each drop what the other allows.
        if (s.kind == dp::RuleKind::allow_policy && e.info.spec.kind == dp::RuleKind::allow_policy &&
            std::memcmp(e.info.spec.mac, s.mac, 6) == 0)
            throw std::runtime_error("device already has an allow policy (rule " + std::to_string(e.info.id) +
                                     "); unblock it first");
    }
    if (next_id_ == 0) throw std::runtime_error("too many block rules (65535 ids issued)");
    Entry e;
    e.info.id = next_id_++;
    e.info.name = s.name;
    e.info.origin = origin;
    e.info.spec = s;
    names_[e.info.id] = s.name;
    entries_.push_back(std::move(e));
    dirty_ = true;
    return {entries_.back().info.id, true};
}

bool RuleRegistry::remove(uint16_t id) {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.info.id == id; });
    if (it == entries_.end()) return false;
    entries_.erase(it);
    dirty_ = true;
    return true;
}

uint16_t RuleRegistry::id_of(const StaticRule& s) const {
    for (const auto& e : entries_)
        if (same_rule(e.info.spec, s)) return e.info.id;
    return 0;
}

const RuleInfo* RuleRegistry::find(uint16_t id) const {
    for (const auto& e : entries_)
        if (e.info.id == id) return &e.info;
    return nullptr;
}

bool RuleRegistry::matches(const std::string& pattern, const std::string& name) {
    // "*.example.com": names under example.com; "example.com": it and names under it.
    const bool wildcard = pattern.rfind("*.", 0) == 0;
    const std::string base = wildcard ? pattern.substr(2) : pattern;
    if (name == base) return !wildcard;
    return name.size() > base.size() && name.compare(name.size() - base.size(), base.size(), base) == 0 &&
           name[name.size() - base.size() - 1] == '.';
}

bool RuleRegistry::learn(const std::array<uint8_t, 6>& mac, const std::vector<slowpath::DnsBinding>& bindings) {
    bool changed = false;
    std::lock_guard lock(mutex_);
    for (auto& e : entries_) {
        const auto& spec = e.info.spec;
        if ((!spec.by_name && spec.allowed_domains.empty()) || std::memcmp(spec.mac, mac.data(), 6) != 0) continue;
        const std::vector<std::string> single{spec.domain};
        const auto& patterns = spec.by_name ? single : spec.allowed_domains;
        for (const auto& b : bindings) {
            // A CNAME crossed on the way counts as the name itself: blocking
            // *.tracker.example must also catch cdn.example aliases of it.
            bool hit = false;
            for (const auto& pattern : patterns) {
                hit = hit || matches(pattern, b.name);
                for (const auto& v : b.via) hit = hit || matches(pattern, v);
            }
            if (hit && e.addresses.insert({b.ip_version, b.addr}).second) {
                e.info.resolved = e.addresses.size();
                changed = true;
            }
        }
    }
    dirty_ = dirty_ || changed;
    return changed;
}

uint32_t RuleRegistry::commit() {
    std::vector<dp::BlockRule> rules;
    {
        std::lock_guard lock(mutex_);
        for (const auto& e : entries_) {
            dp::BlockRule r;
            r.id = e.info.id;
            r.name = e.info.name;
            std::memcpy(r.mac, e.info.spec.mac, 6);
            if (e.info.spec.kind == dp::RuleKind::allow_policy) {
                // The policy, then what it lets through, all under its id.
                r.kind = dp::RuleKind::allow_policy;
                rules.push_back(r);
                r.kind = dp::RuleKind::allow_remote;
                for (const auto& p : e.info.spec.allowed) {
                    r.remote = p;
                    rules.push_back(r);
                }
                append_addresses(r, e.addresses, rules);
                continue;
            }
            if (!e.info.spec.by_name) {
                r.kind = e.info.spec.kind;
                r.remote = e.info.spec.remote;
                r.flow = e.info.spec.flow;
                rules.push_back(r);
                continue;
            }
            // A DNS-name rule is one device-remote rule per address learnt, all
            // under the name rule's id so that its counters add up.
            r.kind = dp::RuleKind::device_remote;
            append_addresses(r, e.addresses, rules);
        }
        dirty_ = false;
    }
    return publisher_.publish(std::move(rules));
}

std::string RuleRegistry::name(uint32_t id) const {
    std::lock_guard lock(mutex_);
    const auto it = names_.find(static_cast<uint16_t>(id));
    if (it != names_.end()) return it->second;
    return id == 0 ? std::string{} : "rule " + std::to_string(id);
}

std::vector<RuleInfo> RuleRegistry::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<RuleInfo> out;
    for (const auto& e : entries_) out.push_back(e.info);
    return out;
}

}  // namespace spin::agent
