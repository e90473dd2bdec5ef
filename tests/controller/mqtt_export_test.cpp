// What a hostile device can make the MQTT export hold or send is bounded
// (controller/export/spin_feed.h, home_assistant.h): a scan's remotes, a
// flood's flows, made-up command topics.  The messages themselves are
// checked against a real broker and clients by tests/process/test_mqtt.py.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "controller/export/home_assistant.h"
#include "controller/export/spin_feed.h"

namespace spin::controller {
namespace {

using nlohmann::json;

proto::FlowRecord scan_record(uint32_t target) {
    proto::FlowRecord r{};
    r.proto = 6;
    r.ip_version = 4;
    r.initiator = static_cast<uint8_t>(proto::Initiator::lan);
    const uint8_t mac[6] = {0x02, 0x53, 0x50, 0x49, 0x4e, 0x21};
    std::memcpy(r.mac, mac, 6);
    inet_pton(AF_INET, "192.168.1.21", r.lan_ip);
    const uint32_t addr = htonl(0x0b000000 + target);  // 11.0.0.0/8
    std::memcpy(r.remote_ip, &addr, 4);
    r.lan_port = 24536;
    r.remote_port = 23;
    return r;
}

nmf::TrafficCounters one_syn() {
    nmf::TrafficCounters c;
    c.pkts_out = 1, c.bytes_out = 60;
    return c;
}

SpinFeed scan_feed(SpinFeed::Limits limits) {
    return SpinFeed(
        limits, [](const std::string&) { return nullptr; }, [](const std::string&) { return false; });
}

TEST(SpinFeed, AScanForgetsTheOldestRemotes) {
    SpinFeed feed = scan_feed({.remote_nodes = 100, .flows = 10'000});
    size_t deleted = 0, cleared = 0;
    for (uint32_t second = 0; second < 10; ++second) {
        for (uint32_t i = 0; i < 160; ++i) feed.on_flow(scan_record(second * 160 + i), one_syn(), second);
        for (const MqttMessage& m : feed.take(second)) {
            if (m.topic == SpinFeed::kAdmin && json::parse(m.payload)["command"] == "nodeDeleted") ++deleted;
            if (m.topic.rfind(SpinFeed::kNodes, 0) == 0 && m.payload.empty() && m.retain) ++cleared;
        }
    }
    const json s = feed.stats();
    EXPECT_LE(s["nodes"].get<size_t>(), 100u + 160u + 1u);  // the cap, a take's new remotes, the device
    EXPECT_EQ(deleted, s["nodes_deleted"].get<size_t>());
    EXPECT_EQ(cleared, deleted) << "a forgotten node's retained nodeInfo is cleared too";
    EXPECT_GT(deleted, 1000u);
}

TEST(SpinFeed, AFullTrafficMessageCountsWhatItLeavesOut) {
    SpinFeed feed = scan_feed({.flows = 50});
    for (uint32_t i = 0; i < 80; ++i) feed.on_flow(scan_record(i), one_syn(), 1);
    size_t flows = 0;
    for (const MqttMessage& m : feed.take(1))
        if (m.topic == SpinFeed::kTraffic) flows += json::parse(m.payload)["result"]["flows"].size();
    EXPECT_EQ(flows, 50u);
    EXPECT_EQ(feed.stats()["flows_dropped"], 30);
    EXPECT_EQ(feed.stats()["packets_dropped"], 30);
    EXPECT_EQ(feed.stats()["bytes_dropped"], 30 * 60);
}

TEST(SpinFeed, OnlyItsOwnNodeTopicsAreStale) {
    SpinFeed feed = scan_feed({});
    feed.on_flow(scan_record(1), one_syn(), 1);  // nodes 1 (the device) and 2
    feed.take(1);
    EXPECT_FALSE(feed.stale("SPIN/traffic/node/2"));
    ASSERT_TRUE(feed.stale("SPIN/traffic/node/7"));
    EXPECT_EQ(feed.stale("SPIN/traffic/node/7")->payload, "");
    for (const char* other : {"SPIN/traffic/node/", "SPIN/traffic/node/x", "SPIN/traffic/node/99999999999999999999",
                              "SPIN/traffic/admin", "spin/traffic/node/7"})
        EXPECT_FALSE(feed.stale(other)) << other;
}

TEST(HomeAssistant, OnlyAnAnnouncedShapeOfCommandTopicNamesADevice) {
    const HomeAssistant ha("homeassistant", "spin");
    EXPECT_EQ(ha.commanded("spin/025350494e21/quarantine/set"), "025350494e21");
    for (const char* other :
         {"spin/+/quarantine/set", "spin/025350494E21/quarantine/set", "spin/02:53:50:49:4e:21/quarantine/set",
          "spin//quarantine/set", "spin/025350494e21/x/quarantine/set", "spin/025350494e21/quarantine",
          "other/025350494e21/quarantine/set", "spin/025350494e2/quarantine/set"})
        EXPECT_EQ(ha.commanded(other), "") << other;
}

}  // namespace
}  // namespace spin::controller
