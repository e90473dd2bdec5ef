// Orders as typed messages: what the controller writes is what the agent
// reads back, for every op.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "proto/orders.h"

using namespace spin::proto;
using nlohmann::json;

TEST(Orders, WrittenAsTheAgentReadsThem) {
    std::string error;
    Order block;
    block.id = "home-7";
    block.op = "block";
    block.rule = parse_rule(json{{"type", "device_remote"},
                                 {"mac", "02-53-50-49-4E-12"},
                                 {"remote", "10.0.0.7/24"},
                                 {"name", "controller block 3"}},
                            &error);
    ASSERT_TRUE(block.rule) << error;
    Order by_id;
    by_id.op = "unblock";
    by_id.rule_id = 9;
    Order ping;
    ping.op = "ping";
    for (const Order& o : {block, by_id, ping}) {
        Order back;
        ASSERT_EQ(parse_order(json(o).dump(), back), "") << json(o).dump();
        EXPECT_EQ(back.id, o.id);
        EXPECT_EQ(back.op, o.op);
        EXPECT_EQ(back.rule_id, o.rule_id);
        ASSERT_EQ(back.rule.has_value(), o.rule.has_value());
        if (o.rule) {
            EXPECT_TRUE(back.rule->same_as(*o.rule));
            EXPECT_EQ(back.rule->name, o.rule->name);
        }
    }
    EXPECT_EQ(json(block)["rule"]["remote"], "10.0.0.0/24");  // canonical on the wire
    EXPECT_FALSE(json(ping).contains("id"));
}
