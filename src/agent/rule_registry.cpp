#include "agent/rule_registry.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include "proto/flow_record.h"

namespace spin::agent {

using proto::RuleKind;

namespace {

nlohmann::json addresses_json(const LearntAddresses& set) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [a, until] : set)
        out.push_back({{"address", IpPrefix::host(a.first, a.second.data()).address_text()}, {"until_us", until}});
    return out;
}

// The distinct DNS names a policy's entries give.
std::vector<DnsName> names_of(const proto::Rule& rule) {
    std::vector<DnsName> out;
    if (!rule.policy) return out;
    for (const auto& e : rule.policy->entries)
        if (!e.domain.empty()) out.push_back(e.domain);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

size_t RuleRegistry::Entry::learnt() const {
    size_t n = addresses.size();
    for (const auto& [name, set] : named) n += set.size();
    return n;
}

uint16_t RuleRegistry::issue_id() {
    if (entries_.size() + reserved_.size() >= 65535) throw std::runtime_error("too many block rules (65535 in force)");
    auto in_use = [&](uint16_t id) {
        return reserved_.count(id) != 0 ||
               std::any_of(entries_.begin(), entries_.end(), [&](const Entry& x) { return x.info.id == id; });
    };
    if (next_id_ == 0) {
        next_id_ = 1;
        ids_wrapped_ = true;
    }
    while (ids_wrapped_ && in_use(next_id_)) next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;
    return next_id_++;
}

uint16_t RuleRegistry::reserve(const std::string& name) {
    std::lock_guard lock(mutex_);
    const uint16_t id = issue_id();
    reserved_.insert(id);
    names_[id] = name;
    return id;
}

RuleRegistry::Added RuleRegistry::add(const proto::Rule& rule, const std::string& origin) {
    std::lock_guard lock(mutex_);
    for (auto& e : entries_) {
        if (e.info.rule.same_as(rule)) return {e.info.id, false};
        if (rule.replaces(e.info.rule)) {
            // The device's new policy: same id; what it resolved stays learnt.
            e.info.rule = rule;
            e.policy_names = names_of(rule);
            e.info.name = rule.name.empty() ? rule.describe() : rule.name;
            e.info.origin = origin;
            names_[e.info.id] = e.info.name;
            e.compiled.reset();
            dirty_ = policies_dirty_ = true;
            reindex_learning();
            return {e.info.id, true};
        }
        // Two allow-lists for one device would each drop what the other allows.
        if (rule.kind == RuleKind::device_allow && e.info.rule.kind == RuleKind::device_allow &&
            e.info.rule.mac == rule.mac)
            throw std::runtime_error("device already has an allow policy (rule " + std::to_string(e.info.id) +
                                     "); unblock it first");
    }
    // Ids are issued in order; once all 65535 were, the oldest free ones come
    // back (a rule removed long ago lends its id, and its name in late
    // records, to a new one).
    Entry e;
    e.info.id = issue_id();
    e.info.name = rule.name.empty() ? rule.describe() : rule.name;
    e.info.origin = origin;
    e.info.rule = rule;
    e.policy_names = names_of(rule);
    names_[e.info.id] = e.info.name;
    policies_dirty_ = policies_dirty_ || rule.kind == RuleKind::device_policy;
    entries_.push_back(std::move(e));
    dirty_ = true;
    reindex_learning();
    return {entries_.back().info.id, true};
}

bool RuleRegistry::remove(uint16_t id) {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.info.id == id; });
    if (it == entries_.end()) return false;
    policies_dirty_ = policies_dirty_ || it->info.rule.kind == RuleKind::device_policy;
    entries_.erase(it);
    dirty_ = true;
    reindex_learning();
    return true;
}

void RuleRegistry::reindex_learning() {
    learning_.clear();
    for (const auto& e : entries_) {
        const auto& r = e.info.rule;
        if (r.kind == RuleKind::device_name || !r.domains.empty() || !e.policy_names.empty()) learning_.insert(r.mac);
    }
}

uint16_t RuleRegistry::id_of(const proto::Rule& rule) const {
    for (const auto& e : entries_)
        if (e.info.rule.same_as(rule)) return e.info.id;
    return 0;
}

const RuleInfo* RuleRegistry::find(uint16_t id) const {
    for (const auto& e : entries_)
        if (e.info.id == id) return &e.info;
    return nullptr;
}

bool RuleRegistry::learn(const std::array<uint8_t, 6>& mac, const std::vector<slowpath::DnsBinding>& bindings,
                         uint64_t now_us) {
    bool changed = false;
    const MacAddress device(mac);
    std::lock_guard lock(mutex_);
    if (!learning_.count(device)) return false;
    for (auto& e : entries_) {
        const auto& rule = e.info.rule;
        if (rule.policy && rule.mac == device) {
            // The rule's cap is shared by its names.
            const size_t cap = std::max<size_t>(16, kMaxLearnt / std::max<size_t>(1, e.policy_names.size()));
            for (const DnsName& name : e.policy_names) {
                for (const auto& b : bindings) {
                    bool hit = name.is(b.name);
                    for (const auto& v : b.via) hit = hit || name.is(v);
                    if (!hit) continue;
                    const uint64_t ttl = std::clamp<uint64_t>(b.ttl, kMinTtlS, kMaxTtlS);
                    if (e.named[name].learn({b.ip_version, b.addr}, now_us + ttl * 1'000'000, cap, learnt_dropped_))
                        changed = policies_dirty_ = true;
                }
            }
            e.info.resolved = e.learnt();
            continue;
        }
        const bool by_name = rule.kind == RuleKind::device_name;
        if ((!by_name && rule.domains.empty()) || rule.mac != device) continue;
        const std::vector<DnsName> single{rule.domain};
        const auto& patterns = by_name ? single : rule.domains;
        for (const auto& b : bindings) {
            // A CNAME crossed on the way counts as the name itself: blocking
            // *.tracker.example must also catch cdn.example aliases of it.
            bool hit = false;
            for (const auto& pattern : patterns) {
                hit = hit || pattern.covers(b.name);
                for (const auto& v : b.via) hit = hit || pattern.covers(v);
            }
            if (!hit) continue;
            const uint64_t ttl = std::clamp<uint64_t>(b.ttl, kMinTtlS, kMaxTtlS);
            const uint64_t until = now_us + ttl * 1'000'000;
            if (e.addresses.learn({b.ip_version, b.addr}, until, kMaxLearnt, learnt_dropped_)) {
                changed = true;
                e.compiled.reset();
            }
            e.info.resolved = e.addresses.size();
        }
    }
    dirty_ = dirty_ || changed;
    return changed;
}

void RuleRegistry::touch(const uint8_t* mac, uint8_t ip_version, const uint8_t* remote, uint64_t now_us) {
    std::lock_guard lock(mutex_);
    if (learning_.empty()) return;
    const MacAddress device(mac);
    if (!learning_.count(device)) return;
    Address a{ip_version, {}};
    std::memcpy(a.second.data(), remote, ip_version == 6 ? 16 : 4);
    for (auto& e : entries_) {
        if (e.info.rule.mac != device) continue;
        e.addresses.extend(a, now_us + kMinTtlS * 1'000'000);
        for (auto& [name, set] : e.named) set.extend(a, now_us + kMinTtlS * 1'000'000);
    }
}

bool RuleRegistry::expire(uint64_t now_us) {
    std::lock_guard lock(mutex_);
    if (now_us < last_expiry_us_ + 1'000'000) return false;  // once a second of packet time
    last_expiry_us_ = now_us;
    bool changed = false;
    for (auto& e : entries_) {
        size_t lapsed = 0;
        for (auto& [name, set] : e.named) lapsed += set.expire(now_us);
        if (lapsed != 0) policies_dirty_ = true;
        lapsed += e.addresses.expire(now_us);
        if (lapsed == 0) continue;
        changed = true;
        e.compiled.reset();
        e.info.resolved = e.learnt();
    }
    dirty_ = dirty_ || changed;
    return changed;
}

void RuleRegistry::configure_services(dp::NetworkServices configured) {
    std::lock_guard lock(mutex_);
    configured_ = std::move(configured);
    dirty_ = policies_dirty_ = true;
}

void RuleRegistry::add_service(std::vector<IpPrefix>& learnt, const IpPrefix& p, bool& changed) {
    if (p.empty()) return;
    const auto it = std::find(learnt.begin(), learnt.end(), p);
    if (it != learnt.end()) {
        std::rotate(it, it + 1, learnt.end());  // the newest last
        return;
    }
    if (learnt.size() == kMaxLearntServices) learnt.erase(learnt.begin());
    learnt.push_back(p);
    changed = true;
}

bool RuleRegistry::learn_services(const std::vector<IpPrefix>& resolvers, const std::vector<IpPrefix>& dhcp_servers) {
    std::lock_guard lock(mutex_);
    bool changed = false;
    for (const auto& p : resolvers) add_service(learnt_.resolvers, p, changed);
    for (const auto& p : dhcp_servers) add_service(learnt_.dhcp_servers, p, changed);
    dirty_ = dirty_ || changed;
    policies_dirty_ = policies_dirty_ || changed;
    return changed;
}

dp::NetworkServices RuleRegistry::services() const {
    std::lock_guard lock(mutex_);
    dp::NetworkServices all = configured_;
    all.resolvers.insert(all.resolvers.end(), learnt_.resolvers.begin(), learnt_.resolvers.end());
    all.dhcp_servers.insert(all.dhcp_servers.end(), learnt_.dhcp_servers.begin(), learnt_.dhcp_servers.end());
    return all;
}

// Every entry of one rule carries the rule's id, so that its drop counters
// add up whatever it compiled into.
void RuleRegistry::compile(const Entry& e, std::vector<dp::TableEntry>& out) {
    const proto::Rule& rule = e.info.rule;
    dp::TableEntry t;
    t.rule = e.info.id;
    t.mac = rule.mac;
    const auto learnt = [&](dp::EntryKind kind) {
        t.kind = kind;
        for (const auto& [address, until] : e.addresses) {
            t.prefix = IpPrefix::host(address.first, address.second.data());
            out.push_back(t);
        }
    };
    switch (rule.kind) {
    case RuleKind::quarantine:
        t.kind = dp::EntryKind::quarantine;
        out.push_back(t);
        break;
    case RuleKind::device_remote:
    case RuleKind::global:
        t.kind = rule.kind == RuleKind::global ? dp::EntryKind::global_remote : dp::EntryKind::device_remote;
        t.prefix = rule.remote;
        out.push_back(t);
        break;
    case RuleKind::device_name:
        learnt(dp::EntryKind::device_remote);  // one entry per address the device resolved
        break;
    case RuleKind::device_allow:
        // The policy, then what it lets through.
        t.kind = dp::EntryKind::allow_policy;
        out.push_back(t);
        t.kind = dp::EntryKind::allow_remote;
        for (const auto& p : rule.remotes) {
            t.prefix = p;
            out.push_back(t);
        }
        learnt(dp::EntryKind::allow_remote);
        break;
    case RuleKind::device_policy: break;  // the policy tables hold it (compile_policy)
    case RuleKind::flow: {
        dp::ParsedPacket p{};
        p.ip_version = rule.flow.lan_ip.version();
        p.proto = rule.flow.proto;
        std::memcpy(p.src, rule.flow.lan_ip.bytes(), 16);
        std::memcpy(p.dst, rule.flow.remote_ip.bytes(), 16);
        p.has_ports = true;
        p.sport = rule.flow.lan_port;
        p.dport = rule.flow.remote_port;
        p.vlan = rule.flow.vlan;
        static const uint8_t no_mac[6] = {};
        p.src_mac = p.dst_mac = no_mac;
        dp::make_flow_key(p, true, t.flow);
        t.kind = dp::EntryKind::flow;
        t.mac = MacAddress{};
        out.push_back(t);
        break;
    }
    }
}

dp::DevicePolicyTable RuleRegistry::compile_policy(const Entry& e) const {
    const proto::DevicePolicy& p = *e.info.rule.policy;
    const bool enforce = p.mode == proto::PolicyMode::enforce;
    dp::DevicePolicyTable out{.mac = p.mac,
                              .rule = e.info.id,
                              .enforce = enforce,
                              .hold_answers = (enforce || hold_all_answers_) && !e.policy_names.empty()};
    for (const proto::PolicyEntry& in : p.entries) {
        dp::PolicyRule r;
        r.accept = in.accept;
        r.dir = in.toward == proto::Toward::remote ? 0 : 1;
        r.ip_version = in.ip_version;
        r.ethertype = in.ethertype ? int32_t{*in.ethertype} : -1;
        r.proto = in.proto ? int16_t{*in.proto} : int16_t{-1};
        r.any_remote = !in.remotes && in.domain.empty();
        if (!in.domain.empty()) {
            // What the device resolved for the name, inside the entry's prefixes if it has any too.
            if (const auto it = e.named.find(in.domain); it != e.named.end())
                for (const auto& [a, until] : it->second) {
                    const IpPrefix host = IpPrefix::host(a.first, a.second.data());
                    if (!in.remotes || std::any_of(in.remotes->begin(), in.remotes->end(), [&](const IpPrefix& x) {
                            return x.contains(host.bytes(), host.version());
                        }))
                        r.remotes.push_back(host);
                }
        } else if (in.remotes) {
            r.remotes = *in.remotes;
        }
        r.device_networks = in.device_networks;
        r.has_remote_mac = in.remote_mac.has_value();
        if (in.remote_mac) r.remote_mac = *in.remote_mac;
        r.remote_port = in.remote_port;
        r.device_port = in.device_port;
        if (in.opened_by)
            r.opener = static_cast<uint8_t>(*in.opened_by == proto::Opener::device ? proto::Initiator::lan
                                                                                   : proto::Initiator::remote);
        r.icmp_type = in.icmp_type ? int16_t{*in.icmp_type} : int16_t{-1};
        r.icmp_code = in.icmp_code ? int16_t{*in.icmp_code} : int16_t{-1};
        out.rules.push_back(std::move(r));
    }
    return out;
}

uint32_t RuleRegistry::commit() {
    const auto start = std::chrono::steady_clock::now();
    std::vector<dp::TableEntry> entries;
    std::optional<std::vector<dp::DevicePolicyTable>> policies;
    dp::NetworkServices services = this->services();
    {
        std::lock_guard lock(mutex_);
        // Only rules that changed are compiled again; the rest are copied.
        for (auto& e : entries_) {
            if (!e.compiled) {
                e.compiled.emplace();
                compile(e, *e.compiled);
            }
            entries.insert(entries.end(), e.compiled->begin(), e.compiled->end());
        }
        if (policies_dirty_) {
            policies.emplace();
            for (const auto& e : entries_)
                if (e.info.rule.policy) policies->push_back(compile_policy(e));
        }
        dirty_ = policies_dirty_ = false;
    }
    // Policies first: a flow re-decided under new block tables sees the new
    // policies too (both are in force when this returns).
    if (policies) tables_.publish_policies(std::move(*policies), services);
    const uint32_t version = tables_.publish_blocks(std::move(entries), std::move(services));
    const auto end = std::chrono::steady_clock::now();
    const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start);
    std::lock_guard lock(mutex_);
    last_commit_ = took;
    last_commit_end_ = end;
    ++commits_.commits;
    commits_.total_us += static_cast<uint64_t>(took.count() / 1000);
    commits_.max_us = std::max<uint64_t>(commits_.max_us, static_cast<uint64_t>(took.count() / 1000));
    return version;
}

bool RuleRegistry::commit_due(std::chrono::steady_clock::time_point now) const {
    std::lock_guard lock(mutex_);
    return dirty_ && now - last_commit_end_ >= kCommitSpacing * last_commit_;
}

RuleRegistry::CommitStats RuleRegistry::commit_stats() const {
    std::lock_guard lock(mutex_);
    return commits_;
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

nlohmann::json RuleRegistry::state() const {
    std::lock_guard lock(mutex_);
    nlohmann::json rules = nlohmann::json::array(), learnt = nlohmann::json::array();
    for (const auto& e : entries_) {
        if (!e.addresses.empty()) learnt.push_back({{"rule", e.info.rule}, {"addresses", addresses_json(e.addresses)}});
        // A policy's names in one item: the rule (the whole policy) is written once.
        nlohmann::json named = nlohmann::json::array();
        for (const auto& [name, set] : e.named)
            if (!set.empty()) named.push_back({{"domain", name}, {"addresses", addresses_json(set)}});
        if (!named.empty()) learnt.push_back({{"rule", e.info.rule}, {"named", std::move(named)}});
        if (e.info.origin != "config")
            rules.push_back({{"rule", e.info.rule}, {"name", e.info.name}, {"origin", e.info.origin}});
    }
    auto list = [](const std::vector<IpPrefix>& v) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : v) out.push_back(p.to_string());
        return out;
    };
    return {{"format", 1},
            {"rules", std::move(rules)},
            {"learnt", std::move(learnt)},
            {"services", {{"resolvers", list(learnt_.resolvers)}, {"dhcp_servers", list(learnt_.dhcp_servers)}}}};
}

size_t RuleRegistry::restore(const nlohmann::json& state) {
    // Everything is read and checked before anything is applied.
    auto fail = [](const std::string& why) { throw std::runtime_error("not a rules state: " + why); };
    if (!state.is_object() || state.value("format", 0) != 1) fail("no 'format': 1");
    std::vector<std::tuple<proto::Rule, std::string, std::string>> rules;  // rule, name, origin
    for (const auto& r : state.value("rules", nlohmann::json::array())) {
        std::string err;
        auto rule = r.is_object() ? proto::parse_rule(r.value("rule", nlohmann::json()), &err) : std::nullopt;
        if (!rule) fail("rule " + r.dump() + ": " + err);
        const auto origin = r.value("origin", nlohmann::json("order"));
        if (!origin.is_string() || (origin != "order" && origin != "reflex")) fail("rule origin " + origin.dump());
        rules.emplace_back(*rule, r.value("name", std::string{}), origin.get<std::string>());
    }
    struct Learnt {
        proto::Rule rule;
        std::optional<DnsName> domain;  // a policy's name
        std::vector<std::pair<Address, uint64_t>> addresses;
    };
    std::vector<Learnt> learnt;
    for (const auto& l : state.value("learnt", nlohmann::json::array())) {
        std::string err;
        auto rule = l.is_object() ? proto::parse_rule(l.value("rule", nlohmann::json()), &err) : std::nullopt;
        if (!rule) fail("learnt rule: " + err);
        const auto read = [&](const nlohmann::json& list, std::optional<DnsName> domain) {
            Learnt x{*rule, std::move(domain), {}};
            for (const auto& a : list.is_array() ? list : nlohmann::json::array()) {
                const auto p = a.is_object() && a.value("address", nlohmann::json()).is_string()
                                   ? IpPrefix::parse(a["address"].get<std::string>())
                                   : std::nullopt;
                if (!p || !p->is_host() || !a.value("until_us", nlohmann::json()).is_number_unsigned())
                    fail("learnt address " + a.dump());
                Address addr{p->version(), {}};
                std::memcpy(addr.second.data(), p->bytes(), 16);
                x.addresses.emplace_back(addr, a["until_us"].get<uint64_t>());
            }
            learnt.push_back(std::move(x));
        };
        read(l.value("addresses", nlohmann::json::array()), std::nullopt);
        for (const auto& n : l.value("named", nlohmann::json::array())) {  // a policy's names
            auto domain = n.is_object() && n.value("domain", nlohmann::json()).is_string()
                              ? DnsName::parse(n["domain"].get<std::string>())
                              : std::nullopt;
            if (!domain) fail("learnt name " + n.dump());
            read(n.value("addresses", nlohmann::json::array()), std::move(domain));
        }
    }
    dp::NetworkServices services;
    const auto svc = state.value("services", nlohmann::json::object());
    for (auto [key, out] : {std::pair{"resolvers", &services.resolvers}, {"dhcp_servers", &services.dhcp_servers}})
        for (const auto& p : svc.value(key, nlohmann::json::array())) {
            const auto prefix = p.is_string() ? IpPrefix::parse(p.get<std::string>()) : std::nullopt;
            if (!prefix) fail(std::string("service ") + p.dump());
            out->push_back(*prefix);
        }
    for (auto& [rule, name, origin] : rules) {
        if (!name.empty()) rule.name = name;
        add(rule, origin);
    }
    std::lock_guard lock(mutex_);
    for (const auto& x : learnt)
        for (auto& e : entries_)
            if (e.info.rule.same_as(x.rule)) {
                LearntAddresses& set = x.domain ? e.named[*x.domain] : e.addresses;
                for (const auto& [a, until] : x.addresses) set.learn(a, until, kMaxLearnt, learnt_dropped_);
                e.compiled.reset();
                e.info.resolved = e.learnt();
            }
    learnt_ = std::move(services);
    dirty_ = policies_dirty_ = true;
    return rules.size();
}

}  // namespace spin::agent
