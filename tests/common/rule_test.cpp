// The one rule model: every kind read from the JSON that orders, the YAML
// `blocks` list and the API share, written back canonically, and the same
// rule recognised however it was spelt.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "proto/rule.h"

using namespace spin::proto;
using nlohmann::json;

namespace {

Rule ok(const json& j) {
    std::string error;
    auto r = parse_rule(j, &error);
    EXPECT_TRUE(r) << j.dump() << ": " << error;
    return r.value_or(Rule{});
}

std::string error_of(const json& j) {
    std::string error;
    EXPECT_FALSE(parse_rule(j, &error)) << j.dump();
    return error;
}

const char* kMac = "02:53:50:49:4e:12";

}  // namespace

TEST(Rule, EveryKindReadsAndWritesBackCanonically) {
    const std::pair<json, json> cases[] = {
        {{{"type", "quarantine"}, {"mac", "02-53-50-49-4E-12"}}, {{"type", "quarantine"}, {"mac", kMac}}},
        {{{"type", "device_remote"}, {"mac", kMac}, {"remote", "198.51.100.7/24"}},
         {{"type", "device_remote"}, {"mac", kMac}, {"remote", "198.51.100.0/24"}}},
        {{{"type", "device_name"}, {"mac", kMac}, {"domain", "*.Tracker.Example."}, {"name", "trackers"}},
         {{"type", "device_name"}, {"mac", kMac}, {"domain", "*.tracker.example"}, {"name", "trackers"}}},
        {{{"type", "device_allow"},
          {"mac", kMac},
          {"remotes", {"192.0.2.9/24", "2001:db8::1", "192.0.2.0/24"}},
          {"domains", {"b.example", "A.example"}}},
         {{"type", "device_allow"},
          {"mac", kMac},
          {"remotes", {"192.0.2.0/24", "2001:db8::1/128"}},
          {"domains", {"a.example", "b.example"}}}},
        {{{"type", "device_allow"}, {"mac", kMac}},
         {{"type", "device_allow"}, {"mac", kMac}, {"remotes", json::array()}, {"domains", json::array()}}},
        {{{"type", "flow"},
          {"proto", "tcp"},
          {"lan_ip", "10.0.0.5"},
          {"lan_port", 1234},
          {"remote_ip", "192.0.2.1/32"},
          {"remote_port", 80}},
         {{"type", "flow"},
          {"proto", 6},
          {"lan_ip", "10.0.0.5"},
          {"lan_port", 1234},
          {"remote_ip", "192.0.2.1"},
          {"remote_port", 80},
          {"vlan", 0}}},
        {{{"type", "global"}, {"remote", "2001:DB8:BAD::/48"}}, {{"type", "global"}, {"remote", "2001:db8:bad::/48"}}},
    };
    for (const auto& [in, out] : cases) {
        const Rule r = ok(in);
        EXPECT_EQ(json(r), out) << in.dump();
        EXPECT_TRUE(ok(json(r)).same_as(r)) << in.dump();
    }
}

TEST(Rule, TheSameRuleHoweverSpelt) {
    const auto remote = [](const char* mac, const char* type, const char* prefix) {
        return ok({{"type", type}, {"mac", mac}, {"remote", prefix}});
    };
    EXPECT_TRUE(
        remote(kMac, "device_remote", "10.0.0.1/24").same_as(remote("02-53-50-49-4E-12", "remote", "10.0.0.0/24")));
    EXPECT_TRUE(remote(kMac, "device_remote", "10.0.0.1").same_as(remote(kMac, "device_remote", "10.0.0.1/32")));
    EXPECT_FALSE(remote(kMac, "device_remote", "10.0.0.1").same_as(remote(kMac, "device_remote", "10.0.0.0/24")));
    EXPECT_FALSE(remote(kMac, "device_remote", "10.0.0.0/24")
                     .same_as(remote("02:53:50:49:4e:13", "device_remote", "10.0.0.0/24")));
    // A name is a label, not part of the rule.
    EXPECT_TRUE(ok({{"type", "quarantine"}, {"mac", kMac}, {"name", "a"}})
                    .same_as(ok({{"type", "quarantine"}, {"mac", kMac}})));
    // Lists are sets.
    EXPECT_TRUE(ok({{"type", "device_allow"}, {"mac", kMac}, {"domains", {"a.example", "b.example", "A.example."}}})
                    .same_as(ok({{"type", "device_allow"}, {"mac", kMac}, {"domains", {"b.example", "a.example"}}})));
    // Kinds differ even where the values agree.
    EXPECT_FALSE(ok({{"type", "global"}, {"remote", "10.0.0.0/8"}})
                     .same_as(ok({{"type", "device_remote"}, {"mac", kMac}, {"remote", "10.0.0.0/8"}})));
}

TEST(Rule, DescribesItself) {
    EXPECT_EQ(ok({{"type", "quarantine"}, {"mac", "02:53:50:49:4E:12"}}).describe(), "quarantine 02:53:50:49:4e:12");
    EXPECT_EQ(ok({{"type", "device_remote"}, {"mac", kMac}, {"remote", "10.0.0.1/24"}}).describe(),
              "device 02:53:50:49:4e:12 remote 10.0.0.0/24");
    EXPECT_EQ(ok({{"type", "device_name"}, {"mac", kMac}, {"domain", "Example.com"}}).describe(),
              "device 02:53:50:49:4e:12 name example.com");
    EXPECT_EQ(
        ok({{"type", "flow"}, {"proto", 17}, {"lan_ip", "10.0.0.5"}, {"remote_ip", "192.0.2.1"}, {"remote_port", 53}})
            .describe(),
        "flow 17 10.0.0.5:0 192.0.2.1:53");
    EXPECT_EQ(ok({{"type", "global"}, {"remote", "203.0.113.7"}}).describe(), "global 203.0.113.7/32");
}

TEST(Rule, KindsHaveOneSpelling) {
    EXPECT_EQ(rule_kind_list(), "quarantine, device_remote, device_name, device_allow, flow, global, device_policy");
    for (RuleKind k : {RuleKind::quarantine, RuleKind::device_remote, RuleKind::device_name, RuleKind::device_allow,
                       RuleKind::flow, RuleKind::global, RuleKind::device_policy})
        EXPECT_EQ(rule_kind_from(to_string(k)), k);
    EXPECT_EQ(rule_kind_from("remote"), RuleKind::device_remote);  // the API's first spelling
    EXPECT_EQ(rule_kind_from("name"), RuleKind::device_name);
    EXPECT_FALSE(rule_kind_from("Quarantine"));
}

TEST(Rule, RefusesWithAReasonNamingTheKey) {
    EXPECT_EQ(error_of(json::array()), "a rule must be an object with a 'type' (" + rule_kind_list() + ")");
    EXPECT_EQ(error_of({{"mac", kMac}}), "a rule needs 'type' (" + rule_kind_list() + ")");
    EXPECT_EQ(error_of({{"type", "teleport"}}), "'type': 'teleport' is not a rule type (" + rule_kind_list() + ")");
    EXPECT_EQ(error_of({{"type", "quarantine"}}), "a quarantine rule needs 'mac'");
    EXPECT_EQ(error_of({{"type", "quarantine"}, {"mac", kMac}, {"remote", "10.0.0.1"}}),
              "unknown key 'remote' in a quarantine rule (expected type, name, mac)");
    EXPECT_EQ(error_of({{"type", "quarantine"}, {"mac", 5}}), "'mac' must be a string");
    EXPECT_EQ(error_of({{"type", "quarantine"}, {"mac", "01:00:5e:00:00:01"}}),
              "'mac': 01:00:5e:00:00:01 is a group address, not a device");
    EXPECT_EQ(error_of({{"type", "quarantine"}, {"mac", "00:00:00:00:00:00"}}),
              "'mac': 00:00:00:00:00:00 is not a device");
    EXPECT_EQ(error_of({{"type", "global"}, {"remote", "10.0.0.0/33"}}),
              "'remote': '10.0.0.0/33': the prefix length must be 0..32");
    EXPECT_EQ(error_of({{"type", "device_allow"}, {"mac", kMac}, {"remotes", "10.0.0.0/8"}}),
              "'remotes' must be a list");
    EXPECT_EQ(error_of({{"type", "device_allow"}, {"mac", kMac}, {"domains", {"ok.example", "a..b"}}}),
              "'domains[1]': 'a..b' is not a DNS name (an empty label)");
    EXPECT_EQ(error_of({{"type", "flow"}, {"proto", 6}, {"lan_ip", "10.0.0.0/24"}, {"remote_ip", "192.0.2.1"}}),
              "'lan_ip' must be a single address, not a prefix");
    EXPECT_EQ(error_of({{"type", "flow"}, {"proto", 6}, {"lan_ip", "10.0.0.1"}, {"remote_ip", "::1"}}),
              "flow addresses must be single addresses of the same family");
    EXPECT_EQ(error_of({{"type", "flow"}, {"proto", "sctp"}, {"lan_ip", "10.0.0.1"}, {"remote_ip", "10.0.0.2"}}),
              "'proto' must be tcp, udp, icmp, icmpv6 or a protocol number 0..255");
    EXPECT_EQ(
        error_of({{"type", "flow"}, {"proto", 6}, {"lan_ip", "10.0.0.1"}, {"remote_ip", "10.0.0.2"}, {"vlan", 4096}}),
        "'vlan' must be a whole number 0..4095");
    EXPECT_EQ(error_of({{"type", "quarantine"}, {"mac", kMac}, {"name", std::string(257, 'x')}}),
              "'name' is longer than 256 characters");
}

// The device_policy example of docs/protocol.md ("Rules").
TEST(Rule, DevicePolicyReadsWritesBackAndIsTheDevicesOne) {
    const json entry = {{"acl", "fr"},
                        {"ace", "cloud"},
                        {"action", "accept"},
                        {"toward", "remote"},
                        {"ip", 4},
                        {"proto", 6},
                        {"domain", "cloud.maker.example"},
                        {"remote_port", {{"lower", 443}, {"upper", 443}}},
                        {"opened_by", "device"}};
    const json j = {
        {"type", "device_policy"},
        {"mac", kMac},
        {"policy", {{"mode", "enforce"}, {"profile", "https://maker.example/thing.json"}, {"entries", {entry}}}}};
    const Rule r = ok(j);
    ASSERT_TRUE(r.policy);
    EXPECT_EQ(r.policy->mac.to_string(), kMac);
    EXPECT_EQ(r.policy->mode, PolicyMode::enforce);
    ASSERT_EQ(r.policy->entries.size(), 1u);
    EXPECT_EQ(r.policy->entries[0].domain.to_string(), "cloud.maker.example");
    EXPECT_EQ(json(r), j);
    EXPECT_EQ(r.describe(), std::string("device ") + kMac + " MUD policy https://maker.example/thing.json (enforce)");
    json monitor = j;
    monitor["policy"]["mode"] = "monitor";
    const Rule other = ok(monitor);
    EXPECT_FALSE(other.same_as(r));
    EXPECT_TRUE(other.replaces(r));
    EXPECT_FALSE(ok({{"type", "quarantine"}, {"mac", kMac}}).replaces(r));
    json with_mac = j;
    with_mac["policy"]["mac"] = kMac;
    EXPECT_NE(error_of(with_mac).find("names no 'mac'"), std::string::npos);
    EXPECT_NE(error_of({{"type", "device_policy"}, {"mac", kMac}}).find("needs 'policy'"), std::string::npos);
}
