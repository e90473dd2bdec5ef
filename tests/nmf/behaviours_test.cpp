// What each device does, by shape: the service port by who opened the flow,
// ICMP by its first type, counters that add up between batches, a cap per
// device that a scanner cannot push past (counted), and nothing of a device
// once it is forgotten.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "common/mac_address.h"
#include "nmf/ingest/behaviours.h"

using spin::MacAddress;
using spin::nmf::BehaviourRow;
using spin::nmf::Behaviours;
using spin::nmf::TrafficCounters;
using namespace spin::proto;

namespace {

const char* kMac = "02:00:00:00:00:09";

FlowRecord record(const char* remote, uint8_t proto, uint16_t lan_port, uint16_t remote_port, Initiator who) {
    FlowRecord r{};
    r.proto = proto;
    r.ip_version = 4;
    r.initiator = static_cast<uint8_t>(who);
    r.icmp_type = kNoIcmpType;
    std::memcpy(r.mac, MacAddress::parse(kMac)->bytes().data(), 6);
    inet_pton(AF_INET, remote, r.remote_ip);
    r.lan_port = lan_port;
    r.remote_port = remote_port;
    r.first_us = 1'000'000;
    r.last_us = 2'000'000;
    return r;
}

TrafficCounters added(uint64_t out, uint64_t in, uint64_t flows = 1) {
    return {out, out * 100, in, in * 100, flows, 0};
}

std::vector<BehaviourRow> take(Behaviours& b) {
    std::vector<BehaviourRow> rows;
    b.take(rows);
    return rows;
}

}  // namespace

TEST(Behaviours, TheServicePortIsTheAskedEnds) {
    Behaviours b;
    b.on_record(record("203.0.113.5", 6, 40000, 443, Initiator::lan), added(3, 2));
    b.on_record(record("192.168.1.20", 6, 80, 51000, Initiator::remote), added(2, 3));
    b.on_record(record("198.51.100.7", 17, 40001, 5004, Initiator::unknown), added(5, 0));
    FlowRecord ping = record("203.0.113.9", 1, 0, 0, Initiator::lan);
    ping.icmp_type = 8;
    b.on_record(ping, added(1, 1));
    const auto rows = take(b);
    ASSERT_EQ(rows.size(), 4u);
    std::map<std::string, const BehaviourRow*> by_remote;
    for (const BehaviourRow& r : rows) {
        EXPECT_EQ(r.mac, kMac);
        by_remote[r.remote_ip] = &r;
    }
    EXPECT_EQ(by_remote["203.0.113.5"]->port, 443);
    EXPECT_EQ(by_remote["203.0.113.5"]->opener, "device");
    EXPECT_EQ(by_remote["192.168.1.20"]->port, 80);
    EXPECT_EQ(by_remote["192.168.1.20"]->opener, "remote");
    EXPECT_EQ(by_remote["198.51.100.7"]->port, 5004);  // picked up mid-stream: the device's
    EXPECT_EQ(by_remote["198.51.100.7"]->opener, "device");
    EXPECT_EQ(by_remote["203.0.113.9"]->port, 8);  // ICMP: the first type
    EXPECT_EQ(by_remote["203.0.113.9"]->proto, 1);
}

TEST(Behaviours, CountersAddUpAndEachBatchHasOnlyWhatChanged) {
    Behaviours b;
    for (uint16_t port = 40000; port < 40003; ++port)  // three flows of one shape
        b.on_record(record("203.0.113.5", 6, port, 443, Initiator::lan), added(2, 1));
    auto rows = take(b);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].counters.flows, 3u);
    EXPECT_EQ(rows[0].counters.pkts_out, 6u);
    EXPECT_EQ(rows[0].counters.pkts_in, 3u);
    EXPECT_TRUE(take(b).empty());
    b.on_record(record("203.0.113.5", 6, 40000, 443, Initiator::lan), added(1, 0, 0));
    rows = take(b);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].counters.pkts_out, 1u);  // the store adds it to what it has
    EXPECT_EQ(rows[0].counters.flows, 0u);
    // A record that added no packet (a repeat) is no news.
    b.on_record(record("203.0.113.5", 6, 40000, 443, Initiator::lan), added(0, 0, 0));
    EXPECT_TRUE(take(b).empty());
}

TEST(Behaviours, AScannerStopsAtTheCapAndIsCounted) {
    Behaviours b;
    char remote[32];
    for (size_t i = 0; i < Behaviours::kShapesPerDevice + 500; ++i) {
        std::snprintf(remote, sizeof remote, "10.%zu.%zu.1", i / 256, i % 256);
        b.on_record(record(remote, 6, 40000, 23, Initiator::lan), added(1, 0));
    }
    EXPECT_EQ(take(b).size(), Behaviours::kShapesPerDevice);
    EXPECT_EQ(b.dropped(), 500u);
    // What it already had is still counted.
    b.on_record(record("10.0.0.1", 6, 40001, 23, Initiator::lan), added(1, 0));
    EXPECT_EQ(take(b).size(), 1u);
    b.forget(MacAddress::parse(kMac)->to_u64());
    b.on_record(record("10.200.0.1", 6, 40001, 23, Initiator::lan), added(1, 0));
    EXPECT_EQ(take(b).size(), 1u);  // room again
    EXPECT_EQ(b.dropped(), 500u);
}

TEST(Behaviours, MadeUpDevicesShareOneBound) {
    Behaviours b;
    char remote[32];
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0};
    const size_t devices = Behaviours::kShapes / Behaviours::kShapesPerDevice + 2;
    for (size_t d = 0; d < devices; ++d) {
        mac[4] = static_cast<uint8_t>(d >> 8), mac[5] = static_cast<uint8_t>(d);
        for (size_t i = 0; i < Behaviours::kShapesPerDevice; ++i) {
            FlowRecord r = record("10.0.0.1", 6, 40000, 23, Initiator::lan);
            std::memcpy(r.mac, mac, 6);
            std::snprintf(remote, sizeof remote, "10.%zu.%zu.1", i / 256, i % 256);
            inet_pton(AF_INET, remote, r.remote_ip);
            b.on_record(r, added(1, 0));
        }
    }
    EXPECT_EQ(take(b).size(), Behaviours::kShapes);
    EXPECT_EQ(b.dropped(), 2 * Behaviours::kShapesPerDevice);
    mac[4] = mac[5] = 0;
    b.forget(MacAddress::to_u64(mac));  // one forgotten makes room for another
    FlowRecord r = record("10.9.9.9", 6, 40000, 23, Initiator::lan);
    r.mac[5] = 0xee;
    b.on_record(r, added(1, 0));
    EXPECT_EQ(take(b).size(), 1u);
}
