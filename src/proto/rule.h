// The one rule model, from the API to the dataplane (docs/protocol.md,
// "Rules"): a `blocks` entry of the agent's YAML, the `rule` of an order, a
// block made through the controller's API and the one its store keeps are
// all a Rule, read by parse_rule() and written by to_json().  The agent's
// rule registry compiles rules into dataplane table entries.
//
// A new kind of rule is one row of SPIN_RULE_KINDS (its spelling, the keys
// it takes) and the code that gives it meaning: its compilation in
// agent/rule_registry.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/dns_name.h"
#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "proto/policy.h"

namespace spin::proto {

// X(kind, keys, meaning).  `kind` is the one spelling (enum and JSON
// `type`); `keys` the rule's keys besides type and name, '?' marking an
// optional one.
#define SPIN_RULE_KINDS(X)                                                                          \
    X(quarantine, "mac", "every frame to or from the device")                                       \
    X(device_remote, "mac remote", "the device to and from a remote address or prefix")             \
    X(device_name, "mac domain", "the device to and from the addresses it resolves for a DNS name") \
    X(device_allow, "mac ?remotes ?domains",                                                        \
      "the device reaches only these prefixes and names (and the network services it needs)")       \
    X(flow, "proto lan_ip ?lan_port remote_ip ?remote_port ?vlan", "one flow, whichever device")    \
    X(global, "remote", "every device to and from a remote address or prefix")                      \
    X(device_policy, "mac policy", "the device held to its MUD policy (proto/policy.h)")

enum class RuleKind : uint8_t {
#define SPIN_RULE_KIND_ENUM(kind, keys, meaning) kind,
    SPIN_RULE_KINDS(SPIN_RULE_KIND_ENUM)
#undef SPIN_RULE_KIND_ENUM
};

const char* to_string(RuleKind kind);
// The spelling, or an older one the API's first version used ("remote" for
// device_remote, "name" for device_name); nullopt for anything else.
std::optional<RuleKind> rule_kind_from(std::string_view text);
// "quarantine, device_remote, ...": for messages.
std::string rule_kind_list();

struct FlowMatch {
    uint8_t proto = 0;
    IpPrefix lan_ip, remote_ip;  // single addresses of one family
    uint16_t lan_port = 0, remote_port = 0, vlan = 0;
    bool operator==(const FlowMatch&) const = default;
};

struct Rule {
    RuleKind kind = RuleKind::quarantine;
    std::string name;               // a label for records and listings; not part of what the rule is
    MacAddress mac;                 // quarantine, device_*
    IpPrefix remote;                // device_remote, global
    DnsName domain;                 // device_name
    std::vector<IpPrefix> remotes;  // device_allow: sorted, without repeats
    std::vector<DnsName> domains;   // device_allow: sorted, without repeats
    FlowMatch flow;                 // flow
    // device_policy: its "policy" object is the policy without its "mac" (the rule's).
    std::optional<DevicePolicy> policy;

    bool per_device() const { return kind != RuleKind::flow && kind != RuleKind::global; }
    // A device has at most one policy: a new one takes the old one's place.
    bool replaces(const Rule& other) const {
        return kind == RuleKind::device_policy && other.kind == RuleKind::device_policy && mac == other.mac;
    }
    // Whether both are the same rule, names aside: two requests that mean
    // the same rule are one rule everywhere.
    bool same_as(const Rule& other) const;
    // The name a rule without one goes by: "device 02:..:12 remote 10.0.0.0/24".
    std::string describe() const;
};

// Reads a rule object.  nullopt, and a sentence naming the key in *error, if
// it is not a valid rule; never throws.  Every value is made canonical.
std::optional<Rule> parse_rule(const nlohmann::json& j, std::string* error);

// The rule object: "type", the kind's keys, and "name" unless empty.
void to_json(nlohmann::json& j, const Rule& rule);

}  // namespace spin::proto
