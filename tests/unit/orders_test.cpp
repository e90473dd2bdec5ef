// Orders over the command channel, without the socket: parsing, idempotence,
// versions, clear errors, and DNS-name rules compiled from DNS answers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/order_handler.h"
#include "agent/rule_registry.h"
#include "dataplane/shared_tables.h"

using namespace spin;
using nlohmann::json;

namespace {

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
    EXPECT_NE(parse_error(std::string(70000, ' ')).find("over the limit"), std::string::npos);
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
    EXPECT_FALSE(rules_.learn(dev, {binding("tracker.example", {}, 1)}));      // "*." excludes the name itself
    EXPECT_FALSE(rules_.learn(other, {binding("a.tracker.example", {}, 2)}));  // another device
    EXPECT_FALSE(rules_.learn(dev, {binding("notatracker.example", {}, 3)}));  // a suffix, not a subdomain
    EXPECT_TRUE(rules_.learn(dev, {binding("a.tracker.example", {}, 4)}));
    EXPECT_TRUE(rules_.learn(dev, {binding("innocent.example", {"x.tracker.example"}, 5)}));  // via a CNAME
    EXPECT_FALSE(rules_.learn(dev, {binding("a.tracker.example", {}, 4)}));                   // known already
    rules_.commit();
    dp::FlowKey key{};
    const uint8_t addr4[16] = {198, 51, 100, 4}, addr5[16] = {198, 51, 100, 5}, addr2[16] = {198, 51, 100, 2};
    EXPECT_EQ(tables_.blocks.current()->match_flow(dev.data(), key, addr4, 4), 1);
    EXPECT_EQ(tables_.blocks.current()->match_flow(dev.data(), key, addr5, 4), 1);
    EXPECT_EQ(tables_.blocks.current()->match_flow(other.data(), key, addr4, 4), 0);
    EXPECT_EQ(tables_.blocks.current()->match_flow(dev.data(), key, addr2, 4), 0);
    EXPECT_EQ(order(R"({"op":"rules"})")["rules"][0]["resolved"], 2);
    ASSERT_TRUE(order(R"({"op":"unblock","rule_id":1})")["changed"]);
    EXPECT_EQ(tables_.blocks.current()->match_flow(dev.data(), key, addr4, 4), 0);
}

TEST_F(Orders, PlainDomainCoversTheNameAndEverythingUnderIt) {
    ASSERT_TRUE(order(
        R"({"op":"block","rule":{"type":"device_name","mac":"02:00:00:00:00:11","domain":"example.com"}})")["ok"]);
    const std::array<uint8_t, 6> dev{0x02, 0, 0, 0, 0, 0x11};
    slowpath::DnsBinding b;
    b.ip_version = 6;
    b.addr = {0x20, 0x01, 0x0d, 0xb8};
    b.name = "example.com";
    EXPECT_TRUE(rules_.learn(dev, {b}));
    b.addr[15] = 1;
    b.name = "www.example.com";
    EXPECT_TRUE(rules_.learn(dev, {b}));
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
    dp::FlowKey key{};
    key.proto = 6;
    key.port_b = 443;
    const uint8_t cloud[16] = {198, 51, 100, 7}, listed[16] = {192, 0, 2, 9};
    EXPECT_EQ(tables_.blocks.current()->match_flow(dev.data(), key, cloud, 4), 1);
    EXPECT_EQ(tables_.blocks.current()->match_flow(dev.data(), key, listed, 4), 0);
    slowpath::DnsBinding b;
    b.name = "api.vendor.example";
    b.ip_version = 4;
    b.addr = {198, 51, 100, 7};
    ASSERT_TRUE(rules_.learn(dev, {b}));
    rules_.commit();
    EXPECT_EQ(tables_.blocks.current()->match_flow(dev.data(), key, cloud, 4), 0);  // resolved for an allowed name
    EXPECT_EQ(order(R"({"op":"rules"})")["rules"][0]["resolved"], 1);
}

}  // namespace
