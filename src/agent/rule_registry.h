// The control side of blocking: which rules are in force, their ids, names and
// origins.  Compiles the rule set into dataplane table entries (the one place
// that does), names rule ids in records (removed rules keep their names:
// late records still carry them) and turns the DNS answers a device receives
// into address entries of its DNS-name rules and allow-lists.
//
// A learnt address lives as long as its answer's TTL (bounded to
// [kMinTtlS, kMaxTtlS]) or while a flow of the device to it is still seen,
// whichever is later; each rule keeps at most kMaxLearnt addresses.  The
// clock is packet time (answers and flow records), so a replay expires what
// it learnt as the capture did.  Also holds the home's network services
// (configured and learnt from DHCP servers on the network side) that allow
// policies let through.
//
// A device_policy rule (a MUD policy, proto/policy.h) is published in the
// dataplane's policy tables instead; its DNS names are learnt per name and
// matched exactly (a MUD name is one host's), sharing the rule's cap of
// kMaxLearnt addresses (at least 16 each); a device has one policy: a new
// one takes the old one's place and id.
//
// Owned by the control thread; the telemetry thread reads snapshot() (hence
// the mutex, which no worker ever touches).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/learnt_addresses.h"
#include "agent/slowpath/dns_message.h"
#include "dataplane/shared_tables.h"
#include "proto/rule.h"

namespace spin::agent {

struct RuleInfo {
    uint16_t id = 0;
    std::string name;    // the rule's own, or what it describes
    std::string origin;  // "config", "order" or "reflex" (agent/reflex_handler.h)
    proto::Rule rule;
    size_t resolved = 0;  // DNS-name rules and allow-lists: addresses learnt so far
};

class RuleRegistry {
public:
    explicit RuleRegistry(dp::SharedTables& tables) : tables_(tables) {}

    struct Added {
        uint16_t id;
        bool changed;  // false: the same rule was already in force
    };
    // Adds a rule without publishing; idempotent (the same rule keeps its
    // id).  Throws std::runtime_error when the 65535 ids are used up or the
    // device already has another allow-list.
    Added add(const proto::Rule& rule, const std::string& origin);
    // An id, named in records and rule counters, for drops no rule in force
    // makes (the reflex's hold, dataplane/scan_reflex.h): never compiled,
    // never listed, never reused.
    uint16_t reserve(const std::string& name);
    // Removes a rule; false when there was none.
    bool remove(uint16_t id);
    const RuleInfo* find(uint16_t id) const;
    // The id of the rule in force that is the same as `rule` (names aside), 0 if none.
    uint16_t id_of(const proto::Rule& rule) const;

    // What a DNS response taught for `mac`: addresses of names a DNS-name rule
    // covers become blocked for that device; addresses of names its allow
    // policy lists become allowed.  Returns true when tables changed
    // (the caller commits).
    bool learn(const std::array<uint8_t, 6>& mac, const std::vector<slowpath::DnsBinding>& bindings, uint64_t now_us);
    // A flow record of `mac` to `remote`: keeps that learnt address alive.
    void touch(const uint8_t* mac, uint8_t ip_version, const uint8_t* remote, uint64_t now_us);
    // Drops learnt addresses whose time is up; true when tables changed.
    bool expire(uint64_t now_us);
    static constexpr uint64_t kMinTtlS = 60;
    static constexpr uint64_t kMaxTtlS = 86400;
    static constexpr size_t kMaxLearnt = 4096;
    uint64_t learnt_dropped() const { return learnt_dropped_; }

    // The network services allow policies let through: configured ones
    // (kept), and what DHCP servers on the network side announce (the
    // newest kMaxLearntServices of each kind).  True when tables changed.
    void configure_services(dp::NetworkServices configured);
    // Holds DNS answers for monitor-mode policies too (replay_order: time),
    // so that a replay judges each connection with the bindings of the
    // answers before it, as a live device that waits for its answer is.
    void hold_all_answers(bool on) { hold_all_answers_ = on; }
    bool learn_services(const std::vector<IpPrefix>& resolvers, const std::vector<IpPrefix>& dhcp_servers);
    static constexpr size_t kMaxLearntServices = 8;
    dp::NetworkServices services() const;

    // Publishes the current rule set to the workers (returns once every
    // worker has left the previous tables behind); returns the table version.
    // Orders commit at once; what answers taught waits for commit_due().
    uint32_t commit();
    // Whether what answers and expiry changed may be published now: a commit
    // waits kCommitSpacing times as long as the last one took after it, so
    // that however fast answers arrive, publishing takes at most about a
    // tenth of the control thread (and, in a small home, a commit every
    // few hundred microseconds).
    bool commit_due(std::chrono::steady_clock::time_point now) const;
    static constexpr int kCommitSpacing = 10;
    struct CommitStats {
        uint64_t commits = 0, total_us = 0, max_us = 0;
    };
    CommitStats commit_stats() const;
    uint32_t version() const { return tables_.blocks.current()->version(); }
    bool dirty() const { return dirty_; }

    std::string name(uint32_t id) const;
    std::vector<RuleInfo> snapshot() const;

    // What must survive a restart (agent/state_file.h): the rules orders put
    // in force, the addresses every rule learnt and the services learnt.
    // Rules from the config are not in it: the config brings them back.
    nlohmann::json state() const;
    // Puts a state() back before the ports start; rules come back as
    // ordered ones.  Returns the number of rules.  Throws std::runtime_error
    // on a document that is not a state (nothing is applied then).
    size_t restore(const nlohmann::json& state);

private:
    using Address = LearntAddresses::Address;
    struct Entry {
        RuleInfo info;
        LearntAddresses addresses;                            // learnt from DNS, each until a packet time (us)
        std::map<DnsName, LearntAddresses> named;             // device_policy: per name its entries give
        std::vector<DnsName> policy_names;                    // device_policy: those names, distinct
        std::optional<std::vector<dp::TableEntry>> compiled;  // reset when the rule's entries change
        size_t learnt() const;
    };
    uint16_t issue_id();  // under mutex_
    static void compile(const Entry& e, std::vector<dp::TableEntry>& out);
    // A device_policy rule as the dataplane's policy tables hold it: each
    // DNS name of an entry is the addresses the device resolved for it.
    dp::DevicePolicyTable compile_policy(const Entry& e) const;
    static void add_service(std::vector<IpPrefix>& learnt, const IpPrefix& p, bool& changed);
    void reindex_learning();

    dp::SharedTables& tables_;
    mutable std::mutex mutex_;
    std::vector<Entry> entries_;
    std::set<MacAddress> learning_;  // devices with a DNS-name rule or an allow-list naming domains
    uint64_t learnt_dropped_ = 0;
    uint64_t last_expiry_us_ = 0;
    dp::NetworkServices configured_, learnt_;
    bool hold_all_answers_ = false;
    std::map<uint16_t, std::string> names_;  // every id ever issued
    std::set<uint16_t> reserved_;
    uint16_t next_id_ = 1;
    bool ids_wrapped_ = false;  // every id was issued once: free ones are reused
    bool dirty_ = true;
    bool policies_dirty_ = false;  // the MUD policy tables need publishing too
    std::chrono::nanoseconds last_commit_{0};
    std::chrono::steady_clock::time_point last_commit_end_{};
    CommitStats commits_;
};

}  // namespace spin::agent
