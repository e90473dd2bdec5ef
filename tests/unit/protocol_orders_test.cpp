// docs/protocol.md, "Orders": every order in the document, sent in order to a
// fresh agent's order handler, gets exactly the answer the document shows
// (apart from `time` and `boot`, which depend on the clock).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/order_handler.h"
#include "agent/rule_registry.h"
#include "dataplane/shared_tables.h"

using nlohmann::json;

namespace {

// (order, answer) pairs: the first two ```json blocks after each "<!-- order -->".
std::vector<std::pair<std::string, std::string>> documented_orders() {
    std::ifstream in(std::string(SPIN_SOURCE_DIR) + "/docs/protocol.md");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    std::vector<std::pair<std::string, std::string>> out;
    auto block = [&](size_t& pos) {
        const size_t start = doc.find("```json\n", pos) + 8;
        const size_t end = doc.find("```", start);
        pos = end + 3;
        return doc.substr(start, end - start);
    };
    for (size_t pos = doc.find("<!-- order -->"); pos != std::string::npos; pos = doc.find("<!-- order -->", pos)) {
        std::string order = block(pos);
        std::string answer = block(pos);
        out.emplace_back(order, answer);
    }
    return out;
}

TEST(ProtocolDoc, EveryOrderGetsTheDocumentedAnswer) {
    const auto orders = documented_orders();
    ASSERT_GE(orders.size(), 10u) << "docs/protocol.md lost its order examples";
    spin::dp::SharedTables tables(1);
    spin::agent::RuleRegistry rules(tables);
    rules.commit();  // the agent publishes its start-up tables: version 2
    spin::agent::OrderHandler::Hooks hooks;
    hooks.rule_drops = [](uint16_t) { return std::pair<uint64_t, uint64_t>{0, 0}; };  // no traffic yet
    spin::agent::OrderHandler handler(rules, "home-1", 1'795'701'088'601'000ull, hooks);
    for (const auto& [order, documented] : orders) {
        json expected = json::parse(documented);
        json got = json::parse(handler.handle(order));
        for (auto* j : {&expected, &got}) {
            j->erase("time");
            j->erase("boot");
        }
        EXPECT_EQ(got, expected) << "order: " << order;
    }
}

}  // namespace
