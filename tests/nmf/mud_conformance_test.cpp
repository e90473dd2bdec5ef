// MUD conformance from flow records, through flow accounting as the
// recorder does: packets and bytes go to the entry that allowed them (deltas
// of running totals, a new flow in the same slot counted whole), each
// distinct violating flow is one violation however many records it has, and
// a record without violating packets makes none.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

#include "nmf/ingest/flow_accounting.h"
#include "nmf/ingest/mud_conformance.h"

using spin::MacAddress;
using spin::nmf::FlowAccounting;
using spin::nmf::MudConformance;
using spin::nmf::TrafficCounters;
using namespace spin::proto;

namespace {

const char* kMac = "02:00:00:00:00:07";

DevicePolicy policy() {
    DevicePolicy p;
    p.mac = *MacAddress::parse(kMac);
    p.mode = PolicyMode::enforce;
    PolicyEntry out, in;
    out.acl = "from", out.ace = "video-out";
    in.acl = "to", in.ace = "video-in", in.toward = Toward::device;
    p.entries = {out, in};
    return p;
}

FlowRecord record(const char* remote, uint16_t port, uint16_t mud_out, uint16_t mud_in, uint64_t pkts_out,
                  uint64_t pkts_in, uint32_t flow_id = 1, uint64_t first_us = 1'000'000) {
    FlowRecord r{};
    r.event = static_cast<uint8_t>(FlowEvent::update);
    r.proto = 17;
    r.ip_version = 4;
    r.initiator = static_cast<uint8_t>(Initiator::lan);
    const MacAddress mac = *MacAddress::parse(kMac);
    std::memcpy(r.mac, mac.bytes().data(), 6);
    inet_pton(AF_INET, remote, r.remote_ip);
    r.remote_port = port;
    r.lan_port = 40000;
    r.flow_id = flow_id;
    r.first_us = first_us;
    r.last_us = first_us + 5'000'000;
    r.pkts_out = pkts_out, r.bytes_out = pkts_out * 100;
    r.pkts_in = pkts_in, r.bytes_in = pkts_in * 100;
    r.mud_out = mud_out, r.mud_in = mud_in;
    return r;
}

// Conformance as the recorder feeds it: each record's delta from flow accounting.
struct Fed {
    FlowAccounting accounting;
    MudConformance c;
    const spin::nmf::MudViolation* on_record(uint32_t agent, const FlowRecord& r) {
        TrafficCounters added;
        accounting.account(agent, r, &added);
        return c.on_record(r, added);
    }
};

}  // namespace

TEST(MudConformance, EntriesCountDeltasOfEachFlow) {
    Fed c;
    c.c.set_policy(policy(), true);
    EXPECT_EQ(c.on_record(0, record("198.51.100.7", 5004, 1, 2, 10, 4)), nullptr);
    FlowRecord end = record("198.51.100.7", 5004, 1, 2, 25, 9);  // running totals
    end.event = static_cast<uint8_t>(FlowEvent::end);
    EXPECT_EQ(c.on_record(0, end), nullptr);
    // A new flow in the slot the ended one left (another first packet time): all of it is new.
    EXPECT_EQ(c.on_record(0, record("198.51.100.7", 5004, 1, 2, 3, 0, 1, 9'000'000)), nullptr);
    const auto j = c.c.to_json(kMac);
    ASSERT_EQ(j["aces"].size(), 2u);
    EXPECT_EQ(j["aces"][0]["name"], "video-out");
    EXPECT_EQ(j["aces"][0]["pkts"], 28);
    EXPECT_EQ(j["aces"][0]["bytes"], 2800);
    EXPECT_EQ(j["aces"][1]["pkts"], 9);
    EXPECT_FALSE(c.c.violating(kMac));
}

TEST(MudConformance, ADistinctViolationIsReportedOnce) {
    Fed c;
    c.c.set_policy(policy(), true);
    const auto* v = c.on_record(0, record("203.0.113.9", 23, kMudNoEntry, kMudNoEntry, 2, 0, 5));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->remote_ip, "203.0.113.9");
    EXPECT_EQ(v->remote_port, 23);
    EXPECT_EQ(v->direction, "out");
    EXPECT_EQ(v->pkts, 2u);
    // More of the same flow, and another flow to the same remote and port: the same violation.
    EXPECT_EQ(c.on_record(0, record("203.0.113.9", 23, kMudNoEntry, kMudNoEntry, 7, 0, 5)), nullptr);
    EXPECT_EQ(c.on_record(0, record("203.0.113.9", 23, kMudNoEntry, kMudNoEntry, 1, 0, 6)), nullptr);
    // Another port is another violation.
    EXPECT_NE(c.on_record(0, record("203.0.113.9", 2323, kMudNoEntry, kMudNoEntry, 1, 0, 7)), nullptr);
    EXPECT_EQ(c.c.take_new().size(), 2u);
    const auto j = c.c.to_json(kMac);
    ASSERT_EQ(j["violations"].size(), 2u);
    EXPECT_EQ(j["violations"][0]["remote_port"], 23);
    EXPECT_EQ(j["violations"][0]["pkts"], 8);
    EXPECT_TRUE(c.c.violating(kMac));
}

TEST(MudConformance, NoViolatingPacketsNoViolation) {
    Fed c;
    c.c.set_policy(policy(), true);
    // A flow re-decided between its packets (ICMP, judged per packet) carries
    // "no entry" with nothing new: no violation.
    EXPECT_EQ(c.on_record(0, record("198.51.100.1", 0, kMudNoEntry, kMudNoPolicy, 0, 0)), nullptr);
    // Allowed one way, violating the other: only the violating direction counts.
    const auto* v = c.on_record(0, record("198.51.100.8", 5004, 1, kMudNoEntry, 5, 3, 9));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->pkts, 3u);
    EXPECT_EQ(c.c.to_json(kMac)["aces"][0]["pkts"], 5);
    // A device without a policy (or one forgotten) is not counted at all.
    c.c.clear(kMac);
    EXPECT_EQ(c.on_record(0, record("203.0.113.9", 23, kMudNoEntry, kMudNoEntry, 2, 0, 11)), nullptr);
    EXPECT_EQ(c.c.stats().violations, 1u);
}

TEST(MudConformance, ViolationsPerDeviceAreCapped) {
    Fed c;
    c.c.set_policy(policy(), true);
    for (uint16_t port = 1; port <= MudConformance::kViolationsPerDevice + 10; ++port)
        c.on_record(0, record("203.0.113.9", port, kMudNoEntry, kMudNoEntry, 1, 0, port));
    const auto j = c.c.to_json(kMac);
    EXPECT_EQ(j["violations"].size(), MudConformance::kViolationsPerDevice);
    EXPECT_EQ(j["violations_dropped"], 10);
}
