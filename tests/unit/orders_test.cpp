// Orders over the command channel, without the socket: parsing, idempotence,
// versions, clear errors, and DNS-name rules compiled from DNS answers.
#include <gtest/gtest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "agent/order_handler.h"
#include "agent/rule_registry.h"
#include "dataplane/shared_tables.h"

using namespace spin;
using nlohmann::json;

namespace {

constexpr uint64_t kT0 = 1'767'225'600'000'000ull;  // packet time of the answers

// The key of a TCP flow from `dev` (10.0.0.11:40000) to `remote`:443; returns lan_is_a.
bool tcp_key(const std::array<uint8_t, 6>& dev, const uint8_t* remote, dp::FlowKey& key) {
    dp::ParsedPacket p{};
    p.ip_version = 4;
    p.proto = 6;
    const uint8_t lan[4] = {10, 0, 0, 11};
    std::memcpy(p.src, lan, 4);
    std::memcpy(p.dst, remote, 4);
    p.has_ports = true;
    p.sport = 40000;
    p.dport = 443;
    p.src_mac = p.dst_mac = dev.data();
    return dp::make_flow_key(p, true, key);
}

// Rule dropping that flow in the tables in force.
uint16_t blocked(const dp::SharedTables& tables, const std::array<uint8_t, 6>& dev, const uint8_t* remote) {
    dp::FlowKey key;
    const bool lan_is_a = tcp_key(dev, remote, key);
    return tables.blocks.current()->match_flow(dev.data(), key, lan_is_a);
}

// What an answer taught: `name` is at IPv4 address `a` for `ttl` seconds.
slowpath::DnsBinding binding4(const std::string& name, std::array<uint8_t, 4> a, uint32_t ttl = 300) {
    slowpath::DnsBinding b;
    b.name = name;
    b.ip_version = 4;
    std::memcpy(b.addr.data(), a.data(), 4);
    b.ttl = ttl;
    return b;
}

std::string parse_error(const std::string& text) {
    agent::Order o;
    return agent::parse_order(text, o);
}

TEST(OrderParse, AcceptsEveryRuleKindAsInTheYaml) {
    agent::Order o;
    ASSERT_EQ(
        agent::parse_order(R"({"id":"a","op":"block","rule":{"type":"quarantine","mac":"02:00:00:00:00:11"}})", o), "");
    EXPECT_EQ(o.id, "a");
    EXPECT_EQ(o.rule->kind, proto::RuleKind::quarantine);
    ASSERT_EQ(agent::parse_order(R"({"id":7,"op":"block","rule":{"type":"device_remote","mac":"02:00:00:00:00:11",)"
                                 R"("remote":"198.51.100.0/24"}})",
                                 o),
              "");
    EXPECT_EQ(o.id, "7");
    EXPECT_EQ(o.rule->remote.length(), 24);
    ASSERT_EQ(
        agent::parse_order(
            R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"*.Example.COM."}})", o),
        "");
    EXPECT_EQ(o.rule->kind, proto::RuleKind::device_name);
    EXPECT_EQ(o.rule->domain.to_string(), "*.example.com");
    ASSERT_EQ(agent::parse_order(R"({"op":"unblock","rule_id":3})", o), "");
    EXPECT_EQ(*o.rule_id, 3);
    ASSERT_EQ(agent::parse_order(R"({"op":"rules"})", o), "");
}

TEST(OrderParse, RefusesWithAReason) {
    EXPECT_EQ(parse_error("{"), "order is not valid JSON");
    EXPECT_EQ(parse_error("[1,2]"), "order must be a JSON object");
    EXPECT_EQ(parse_error(R"({"id":"x"})"), "order needs 'op' (block, unblock, rules, stats or ping)");
    EXPECT_EQ(parse_error(R"({"op":"reboot"})"), "unknown op 'reboot' (expected block, unblock, rules, stats or ping)");
    EXPECT_EQ(parse_error(R"({"op":"ping","extra":1})"), "unknown key 'extra' (expected id, op, rule, rule_id)");
    EXPECT_EQ(parse_error(R"({"op":"ping","rule":{}})"), "'ping' takes no rule");
    EXPECT_EQ(parse_error(R"({"op":"block"})"),
              "'block' needs 'rule', an object like a blocks entry of the agent YAML");
    EXPECT_EQ(parse_error(R"({"op":"unblock","rule_id":0})"), "'rule_id' must be a rule id, 1..65535");
    EXPECT_EQ(parse_error(R"({"op":"unblock","rule_id":70000})"), "'rule_id' must be a rule id, 1..65535");
    EXPECT_EQ(parse_error(R"({"id":[1],"op":"ping"})"), "'id' must be a string or an integer");
    EXPECT_NE(parse_error(R"({"op":"block","rule":{"type":"quarantine","mac":"zz"}})").find("is not a MAC address"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"a..b"}})")
                  .find("is not a DNS name"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"op":"block","rule":{"type":"teleport"}})").find("is not a rule type"),
              std::string::npos);
    EXPECT_NE(parse_error(std::string(proto::kMaxOrderBytes + 1, ' ')).find("over the limit"), std::string::npos);
}

class Orders : public ::testing::Test {
protected:
    json order(const std::string& text) { return json::parse(handler_.handle(text)); }

    dp::SharedTables tables_{2};
    agent::RuleRegistry rules_{tables_};
    agent::OrderHandler handler_{rules_, "test-agent", 1'000'000, {}};
};

TEST_F(Orders, BlockIsIdempotentAndAnswersTheVersionInForce) {
    const auto first = order(R"({"id":"o1","op":"block","rule":{"type":"quarantine","mac":"02:00:00:00:00:11"}})");
    ASSERT_TRUE(first["ok"]) << first;
    EXPECT_EQ(first["id"], "o1");
    EXPECT_TRUE(first["changed"]);
    EXPECT_EQ(first["version"], tables_.blocks.current()->version());
    EXPECT_EQ(tables_.blocks.current()->match_mac(rules_.snapshot()[0].rule.mac.data()), first["rule"]["id"]);
    const auto again =
        order(R"({"id":"o2","op":"block","rule":{"type":"quarantine","mac":"02:00:00:00:00:11","name":"other name"}})");
    EXPECT_FALSE(again["changed"]);
    EXPECT_EQ(again["rule"]["id"], first["rule"]["id"]);
    EXPECT_EQ(again["version"], first["version"]);  // nothing republished
    const auto listed = order(R"({"op":"rules"})");
    ASSERT_EQ(listed["rules"].size(), 1u);
    EXPECT_EQ(listed["rules"][0]["origin"], "order");
    const auto gone = order(R"({"op":"unblock","rule":{"type":"quarantine","mac":"02:00:00:00:00:11"}})");
    EXPECT_TRUE(gone["changed"]);
    EXPECT_GT(gone["version"], first["version"]);
    const uint8_t dev[6] = {0x02, 0, 0, 0, 0, 0x11};
    EXPECT_EQ(tables_.blocks.current()->match_mac(dev), 0);
    const auto twice = order(R"({"op":"unblock","rule_id":1})");
    EXPECT_TRUE(twice["ok"]);
    EXPECT_FALSE(twice["changed"]);
    // A removed rule keeps its name for late records.
    EXPECT_EQ(rules_.name(1), "quarantine 02:00:00:00:00:11");
}

// A rule of the agent's own YAML stays in force whatever a controller
// orders: one that blocked the same rule and lifts it again (after the agent
// restarted, its record of which rules were the YAML's may be a boot behind).
TEST_F(Orders, UnblockNeverLiftsARuleOfTheAgentsOwnYaml) {
    proto::Rule yaml;
    yaml.kind = proto::RuleKind::quarantine;
    yaml.mac = *MacAddress::parse("02:00:00:00:00:14");
    const uint16_t id = rules_.add(yaml, "config").id;
    rules_.commit();
    const auto same = order(R"({"op":"block","rule":{"type":"quarantine","mac":"02:00:00:00:00:14"}})");
    EXPECT_FALSE(same["changed"]);
    EXPECT_EQ(same["rule"]["origin"], "config");
    for (const char* lift : {R"({"op":"unblock","rule":{"type":"quarantine","mac":"02:00:00:00:00:14"}})",
                             R"({"op":"unblock","rule_id":1})"}) {
        const auto answer = order(lift);
        EXPECT_TRUE(answer["ok"]) << answer;
        EXPECT_FALSE(answer["changed"]) << answer;
        EXPECT_EQ(answer["rule"]["origin"], "config") << answer;
    }
    const uint8_t dev[6] = {0x02, 0, 0, 0, 0, 0x14};
    EXPECT_EQ(tables_.blocks.current()->match_mac(dev), id);
    EXPECT_EQ(rules_.snapshot().size(), 1u);
}

TEST_F(Orders, MalformedOrdersGetAnErrorAnswerWithTheirId) {
    const auto a = order(R"({"id":"bad-1","op":"block","rule":{"type":"quarantine"}})");
    EXPECT_FALSE(a["ok"]);
    EXPECT_EQ(a["id"], "bad-1");
    EXPECT_EQ(a["error"], "rule: a quarantine rule needs 'mac'");
    EXPECT_TRUE(a.contains("version"));
    EXPECT_FALSE(order("\xff\xfe")["ok"]);
    EXPECT_EQ(handler_.errors(), 2u);
}

TEST_F(Orders, DnsNameRuleBlocksWhatTheDeviceResolvesIncludingThroughCnames) {
    ASSERT_TRUE(
        order(R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"*.tracker.example"}})")
            ["ok"]);
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11}, other{0x02, 0, 0, 0, 0, 0x12};
    auto binding = [](const std::string& name, std::vector<std::string> via, uint8_t last) {
        slowpath::DnsBinding b;
        b.name = name;
        b.via = std::move(via);
        b.ip_version = 4;
        b.addr = {198, 51, 100, last};
        return b;
    };
    EXPECT_FALSE(rules_.learn(dev, {binding("tracker.example", {}, 1)}, kT0));      // "*." excludes the name itself
    EXPECT_FALSE(rules_.learn(other, {binding("a.tracker.example", {}, 2)}, kT0));  // another device
    EXPECT_FALSE(rules_.learn(dev, {binding("notatracker.example", {}, 3)}, kT0));  // a suffix, not a subdomain
    EXPECT_TRUE(rules_.learn(dev, {binding("a.tracker.example", {}, 4)}, kT0));
    EXPECT_TRUE(rules_.learn(dev, {binding("innocent.example", {"x.tracker.example"}, 5)}, kT0));  // via a CNAME
    EXPECT_FALSE(rules_.learn(dev, {binding("a.tracker.example", {}, 4)}, kT0));                   // known already
    rules_.commit();
    const uint8_t addr4[16] = {198, 51, 100, 4}, addr5[16] = {198, 51, 100, 5}, addr2[16] = {198, 51, 100, 2};
    EXPECT_EQ(blocked(tables_, dev, addr4), 1);
    EXPECT_EQ(blocked(tables_, dev, addr5), 1);
    EXPECT_EQ(blocked(tables_, other, addr4), 0);
    EXPECT_EQ(blocked(tables_, dev, addr2), 0);
    EXPECT_EQ(order(R"({"op":"rules"})")["rules"][0]["resolved"], 2);
    ASSERT_TRUE(order(R"({"op":"unblock","rule_id":1})")["changed"]);
    EXPECT_EQ(blocked(tables_, dev, addr4), 0);
}

TEST_F(Orders, PlainDomainCoversTheNameAndEverythingUnderIt) {
    ASSERT_TRUE(order(
        R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"example.com"}})")["ok"]);
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11};
    slowpath::DnsBinding b;
    b.ip_version = 6;
    b.addr = {0x20, 0x01, 0x0d, 0xb8};
    b.name = "example.com";
    EXPECT_TRUE(rules_.learn(dev, {b}, kT0));
    b.addr[15] = 1;
    b.name = "www.example.com";
    EXPECT_TRUE(rules_.learn(dev, {b}, kT0));
}

}  // namespace

namespace {

TEST_F(Orders, AllowPolicyLetsThroughOnlyNamedAndListedDestinations) {
    const auto a =
        order(R"({"op":"block","rule":{"type":"device_allow","mac":"02:00:00:00:00:11","remotes":["192.0.2.0/24"],)"
              R"("domains":["*.vendor.example"]}})");
    ASSERT_TRUE(a["ok"]) << a;
    EXPECT_EQ(a["rule"]["type"], "device_allow");
    EXPECT_EQ(a["rule"]["remotes"], json::array({"192.0.2.0/24"}));
    EXPECT_EQ(a["rule"]["domains"], json::array({"*.vendor.example"}));
    const auto second =
        order(R"({"op":"block","rule":{"type":"device_allow","mac":"02:00:00:00:00:11","domains":["other.example"]}})");
    EXPECT_FALSE(second["ok"]);
    EXPECT_EQ(second["error"], "device already has an allow policy (rule 1); unblock it first");
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11};
    const uint8_t cloud[16] = {198, 51, 100, 7}, listed[16] = {192, 0, 2, 9};
    EXPECT_EQ(blocked(tables_, dev, cloud), 1);
    EXPECT_EQ(blocked(tables_, dev, listed), 0);
    slowpath::DnsBinding b;
    b.name = "api.vendor.example";
    b.ip_version = 4;
    b.addr = {198, 51, 100, 7};
    ASSERT_TRUE(rules_.learn(dev, {b}, kT0));
    rules_.commit();
    EXPECT_EQ(blocked(tables_, dev, cloud), 0);  // resolved for an allowed name
    EXPECT_EQ(order(R"({"op":"rules"})")["rules"][0]["resolved"], 1);
}

}  // namespace

namespace {

// Learnt addresses live as long as the answer's TTL, bounded, or while the
// device's flows to them go on; then the rule no longer holds them.
TEST_F(Orders, LearntAddressesExpireWithTheirTtlUnlessInUse) {
    ASSERT_TRUE(order(
        R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"tracker.example"}})")["ok"]);
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11};
    auto binding = [](uint8_t last, uint32_t ttl) {
        slowpath::DnsBinding b;
        b.name = "tracker.example";
        b.ip_version = 4;
        b.addr = {198, 51, 100, last};
        b.ttl = ttl;
        return b;
    };
    const uint64_t s = 1'000'000;
    ASSERT_TRUE(rules_.learn(dev, {binding(1, 300), binding(2, 0), binding(3, 4'000'000'000u), binding(4, 300)}, kT0));
    rules_.commit();
    const uint8_t a1[4] = {198, 51, 100, 1}, a2[4] = {198, 51, 100, 2}, a3[4] = {198, 51, 100, 3},
                  a4[4] = {198, 51, 100, 4};
    EXPECT_FALSE(rules_.expire(kT0 + 59 * s));  // TTL 0 counts as the 60 s floor
    EXPECT_TRUE(rules_.expire(kT0 + 61 * s));
    rules_.commit();
    EXPECT_EQ(blocked(tables_, dev, a2), 0);
    EXPECT_EQ(blocked(tables_, dev, a1), 1);
    rules_.touch(dev.data(), 4, a4, kT0 + 290 * s);  // a flow to .4 still going
    EXPECT_TRUE(rules_.expire(kT0 + 301 * s));
    rules_.commit();
    EXPECT_EQ(blocked(tables_, dev, a1), 0);
    EXPECT_EQ(blocked(tables_, dev, a4), 1);
    EXPECT_EQ(blocked(tables_, dev, a3), 1);
    EXPECT_TRUE(rules_.expire(kT0 + 86401 * s));  // a 4e9-second TTL is held to one day
    rules_.commit();
    EXPECT_EQ(blocked(tables_, dev, a3), 0);
    EXPECT_EQ(blocked(tables_, dev, a4), 0);
}

// A flood of answers at the per-rule cap: each new address pushes out the
// one that lapses soonest (not a scan of the rule), the newest stay in force,
// and rules that did not change keep their entries.
TEST_F(Orders, AnswerFloodAtTheCapEvictsTheSoonestToLapse) {
    ASSERT_TRUE(order(
        R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"flood.example"}})")["ok"]);
    ASSERT_TRUE(order(R"({"op":"block","rule":{"type":"quarantine","mac":"02:00:00:00:00:22"}})")["ok"]);
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11}, other{0x02, 0, 0, 0, 0, 0x22};
    const uint64_t s = 1'000'000;
    const auto address = [](uint32_t n) {
        return std::array<uint8_t, 4>{198, 18, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    };
    const uint32_t total = agent::RuleRegistry::kMaxLearnt + 900;
    for (uint32_t n = 0; n < total; n += 90) {  // answers of 90 A records, each a second later
        std::vector<slowpath::DnsBinding> answer;
        for (uint32_t k = n; k < std::min(n + 90, total); ++k)
            answer.push_back(binding4("x.flood.example", address(k)));
        rules_.learn(dev, answer, kT0 + n / 90 * s);
    }
    rules_.commit();
    EXPECT_EQ(rules_.learnt_dropped(), 900u);
    EXPECT_EQ(blocked(tables_, dev, address(0).data()), 0);  // among the first, lapsing soonest
    EXPECT_EQ(blocked(tables_, dev, address(899).data()), 0);
    EXPECT_EQ(blocked(tables_, dev, address(900).data()), 1);
    EXPECT_EQ(blocked(tables_, dev, address(total - 1).data()), 1);
    const uint8_t any[4] = {192, 0, 2, 1};
    EXPECT_EQ(blocked(tables_, other, any), 2);  // the quarantine, compiled once, still in force
    // What lapsed goes, and only that: the last answer came at n / 90 = 55 s.
    EXPECT_TRUE(rules_.expire(kT0 + 311 * s));
    rules_.commit();
    EXPECT_EQ(blocked(tables_, dev, address(total - 1).data()), 1);
    EXPECT_EQ(blocked(tables_, dev, address(900).data()), 0);
}

// Learning commits wait kCommitSpacing times the last commit's duration.
TEST_F(Orders, CommitsOfLearntAddressesArePaced) {
    ASSERT_TRUE(order(
        R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"tracker.example"}})")["ok"]);
    const auto now = std::chrono::steady_clock::now();
    EXPECT_FALSE(rules_.commit_due(now + std::chrono::hours(1)));  // nothing to publish
    ASSERT_TRUE(rules_.learn({0x02, 0, 0, 0, 0, 0x11}, {binding4("tracker.example", {198, 51, 100, 7})}, kT0));
    const auto c = rules_.commit_stats();
    ASSERT_GE(c.commits, 1u);  // the order's
    const auto after = std::chrono::steady_clock::now();
    EXPECT_TRUE(
        rules_.commit_due(after + std::chrono::microseconds(agent::RuleRegistry::kCommitSpacing * (c.max_us + 1))));
    rules_.commit();
    EXPECT_FALSE(rules_.commit_due(std::chrono::steady_clock::now() + std::chrono::hours(1)));
    EXPECT_EQ(rules_.commit_stats().commits, c.commits + 1);
}

TEST_F(Orders, NetworkServicesAreBoundedAndReachTheTables) {
    rules_.configure_services({{*IpPrefix::parse("192.168.1.1")}, {}});
    for (int i = 0; i < 20; ++i)
        rules_.learn_services({*IpPrefix::parse("10.9.0." + std::to_string(i))}, {*IpPrefix::parse("10.8.0.1")});
    const auto all = rules_.services();
    ASSERT_EQ(all.resolvers.size(), 1 + agent::RuleRegistry::kMaxLearntServices);
    EXPECT_EQ(all.resolvers.front().address_text(), "192.168.1.1");  // configured ones stay
    EXPECT_EQ(all.resolvers.back().address_text(), "10.9.0.19");     // the newest learnt
    EXPECT_EQ(all.dhcp_servers.size(), 1u);
    rules_.commit();
    EXPECT_EQ(tables_.blocks.current()->services().resolvers.size(), all.resolvers.size());
}

}  // namespace

namespace {

// What survives a restart: ordered rules (not the config's), learnt
// addresses and services; a broken state changes nothing.
TEST(RuleState, RoundTripsOrderedRulesLearntAddressesAndServices) {
    dp::SharedTables tables{1};
    agent::RuleRegistry a{tables};
    proto::Rule configured = *proto::parse_rule(json{{"type", "quarantine"}, {"mac", "02:00:00:00:00:01"}}, nullptr);
    a.add(configured, "config");
    a.add(*proto::parse_rule(json{{"type", "device_name"}, {"mac", "02:00:00:00:00:11"}, {"domain", "t.example"}},
                             nullptr),
          "order");
    ASSERT_TRUE(a.learn({0x02, 0, 0, 0, 0, 0x11}, {binding4("t.example", {198, 51, 100, 9})}, kT0));
    a.learn_services({*IpPrefix::parse("192.168.1.1")}, {});
    const json state = json::parse(a.state().dump());
    EXPECT_EQ(state["rules"].size(), 1u);

    dp::SharedTables tables2{1};
    agent::RuleRegistry back{tables2};
    back.add(configured, "config");
    EXPECT_EQ(back.restore(state), 1u);
    back.commit();
    const auto rules = back.snapshot();
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[1].origin, "order");
    EXPECT_EQ(rules[1].resolved, 1u);
    EXPECT_EQ(back.services().resolvers.size(), 1u);
    const uint8_t addr[4] = {198, 51, 100, 9};
    EXPECT_EQ(blocked(tables2, {0x02, 0, 0, 0, 0, 0x11}, addr), rules[1].id);

    agent::RuleRegistry untouched{tables2};
    for (const char* bad : {R"({"format":2})", R"({"format":1,"rules":[{"rule":{"type":"quarantine"}}]})",
                            R"({"format":1,"learnt":[{"rule":{"type":"quarantine","mac":"02:00:00:00:00:01"},)"
                            R"("addresses":[{"address":"10.0.0.0/8","until_us":1}]}]})"})
        EXPECT_THROW(untouched.restore(json::parse(bad)), std::runtime_error) << bad;
    EXPECT_TRUE(untouched.snapshot().empty());
}

// 65,535 blocks in one run, and then more: freed ids come back.
TEST(RuleState, IdsOfRemovedRulesAreReusedOnceAllWereIssued) {
    dp::SharedTables tables{1};
    agent::RuleRegistry r{tables};
    auto rule = [](uint32_t i) {
        return *proto::parse_rule(json{{"type", "global"},
                                       {"remote", "10." + std::to_string(i >> 16 & 255) + "." +
                                                      std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255)}},
                                  nullptr);
    };
    for (uint32_t i = 0; i < 70000; ++i) {
        const auto added = r.add(rule(i), "order");
        ASSERT_TRUE(added.changed) << i;
        ASSERT_TRUE(r.remove(added.id)) << i;
    }
    const auto a = r.add(rule(1), "order"), b = r.add(rule(2), "order");
    EXPECT_NE(a.id, b.id);
    EXPECT_NE(a.id, 0);
}

}  // namespace

namespace {

// A device_policy order of the device 02:..:11: TCP 443 to cloud.maker.example
// opened by the device (and its answers), in `mode`.
std::string policy_order(const std::string& mode, const std::string& domain = "cloud.maker.example") {
    const json entry_out = {{"acl", "fr"},
                            {"ace", "cloud"},
                            {"toward", "remote"},
                            {"ip", 4},
                            {"proto", 6},
                            {"domain", domain},
                            {"remote_port", {{"lower", 443}, {"upper", 443}}},
                            {"opened_by", "device"}};
    json entry_in = entry_out;
    entry_in["acl"] = "to";
    entry_in["toward"] = "device";
    const json rule = {
        {"type", "device_policy"},
        {"mac", "02:00:00:00:00:11"},
        {"policy", {{"mode", mode}, {"profile", "https://maker.example/thing"}, {"entries", {entry_out, entry_in}}}}};
    return json{{"op", "block"}, {"rule", rule}}.dump();
}

// The verdict of the policy tables in force on that flow from 02:..:11, opened by the device.
uint16_t policy_verdict(const dp::SharedTables& tables, const uint8_t* remote) {
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11};
    dp::FlowKey key;
    const bool lan_is_a = tcp_key(dev, remote, key);
    const auto& t = *tables.policies.current();
    const auto* d = t.find(dev.data());
    return d == nullptr ? dp::kPolicyNone : t.decide(*d, key, lan_is_a, 0, 1, nullptr);
}

}  // namespace

TEST_F(Orders, DevicePolicyLearnsItsNamesExactlyAndIsReplacedInPlace) {
    const auto first = order(policy_order("monitor"));
    ASSERT_TRUE(first["ok"]) << first;
    const auto* device = tables_.policies.current()->find(rules_.snapshot()[0].rule.mac.data());
    ASSERT_NE(device, nullptr);
    EXPECT_FALSE(device->enforce);
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11};
    const uint8_t cloud[4] = {198, 51, 100, 7}, sub[4] = {198, 51, 100, 8};
    EXPECT_EQ(policy_verdict(tables_, cloud), dp::kPolicyNoEntry);  // nothing resolved yet
    EXPECT_FALSE(rules_.learn(dev, {binding4("x.cloud.maker.example", {198, 51, 100, 8})}, kT0));  // not the name
    EXPECT_TRUE(rules_.learn(dev, {binding4("Cloud.Maker.Example.", {198, 51, 100, 7})}, kT0));
    rules_.commit();
    EXPECT_EQ(policy_verdict(tables_, cloud), 1);
    EXPECT_EQ(policy_verdict(tables_, sub), dp::kPolicyNoEntry);
    EXPECT_EQ(order(R"({"op":"rules"})")["rules"][0]["resolved"], 1);
    // The device's new policy (enforce) takes the old one's place and id, and keeps what was learnt.
    const auto second = order(policy_order("enforce"));
    ASSERT_TRUE(second["ok"] && second["changed"]) << second;
    EXPECT_EQ(second["rule"]["id"], first["rule"]["id"]);
    EXPECT_EQ(rules_.snapshot().size(), 1u);
    EXPECT_TRUE(tables_.policies.current()->find(dev.data())->enforce);
    EXPECT_EQ(policy_verdict(tables_, cloud), 1);
    EXPECT_FALSE(order(policy_order("enforce"))["changed"]);
    // Unblocking it lifts the policy.
    ASSERT_TRUE(order(R"({"op":"unblock","rule_id":)" + first["rule"]["id"].dump() + "}")["changed"]);
    EXPECT_TRUE(tables_.policies.current()->empty());
}

TEST_F(Orders, BrokenPolicyOrdersAreRefusedNamingTheKey) {
    std::string text = policy_order("monitor");
    const auto with_mac = json::parse(text);
    json bad = with_mac;
    bad["rule"]["policy"]["mac"] = "02:00:00:00:00:12";
    EXPECT_NE(order(bad.dump())["error"].get<std::string>().find("'policy' names no 'mac'"), std::string::npos);
    bad = with_mac;
    bad["rule"]["policy"]["entries"][0]["toward"] = "sideways";
    EXPECT_NE(order(bad.dump())["error"].get<std::string>().find("'toward'"), std::string::npos);
    bad = with_mac;
    bad["rule"]["policy"]["mode"] = "strict";
    EXPECT_NE(order(bad.dump())["error"].get<std::string>().find("'mode'"), std::string::npos);
    EXPECT_TRUE(rules_.snapshot().empty());
}

TEST(RuleState, PoliciesAndTheirNamesSurviveARestart) {
    dp::SharedTables tables{1};
    agent::RuleRegistry a{tables};
    agent::OrderHandler handler{a, "test-agent", 1'000'000, {}};
    ASSERT_TRUE(json::parse(handler.handle(policy_order("enforce")))["ok"]);
    ASSERT_TRUE(a.learn({0x02, 0, 0, 0, 0, 0x11}, {binding4("cloud.maker.example", {198, 51, 100, 7})}, kT0));
    const json state = json::parse(a.state().dump());
    dp::SharedTables tables2{1};
    agent::RuleRegistry back{tables2};
    EXPECT_EQ(back.restore(state), 1u);
    back.commit();
    const uint8_t cloud[4] = {198, 51, 100, 7};
    EXPECT_EQ(policy_verdict(tables2, cloud), 1);
    EXPECT_TRUE(tables2.policies.current()->find(back.snapshot()[0].rule.mac.data())->enforce);
    // Learnt addresses lapse with their TTL (300 s here) and the policy tables follow.
    EXPECT_TRUE(back.expire(kT0 + 301'000'000));
    back.commit();
    EXPECT_EQ(policy_verdict(tables2, cloud), dp::kPolicyNoEntry);
}

// A policy of many names shares the rule's cap among them: an answer flood
// for one name cannot grow the device's learnt addresses without bound.
TEST_F(Orders, PolicyNamesShareTheRulesCap) {
    json entries = json::array();
    for (int i = 0; i < 300; ++i)
        entries.push_back({{"acl", "fr"},
                           {"ace", "a" + std::to_string(i)},
                           {"toward", "remote"},
                           {"domain", "n" + std::to_string(i) + ".maker.example"}});
    const json rule = {{"type", "device_policy"},
                       {"mac", "02:00:00:00:00:11"},
                       {"policy", {{"mode", "monitor"}, {"profile", "https://maker.example/x"}, {"entries", entries}}}};
    ASSERT_TRUE(order(json{{"op", "block"}, {"rule", rule}}.dump())["ok"]);
    std::vector<slowpath::DnsBinding> flood;
    for (uint8_t i = 0; i < 40; ++i) flood.push_back(binding4("n7.maker.example", {198, 51, 100, i}));
    ASSERT_TRUE(rules_.learn({0x02, 0, 0, 0, 0, 0x11}, flood, kT0));
    EXPECT_EQ(rules_.snapshot()[0].resolved, 16u);  // 4096 / 300 is below the floor of 16
    EXPECT_EQ(rules_.learnt_dropped(), 24u);
}
