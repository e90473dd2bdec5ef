// Flow records (running totals) become traffic per device x remote x minute,
// each packet counted once however many records and agents report it.
#include <gtest/gtest.h>

#include <cstring>

#include "nmf/ingest/flow_accounting.h"

using namespace spin::nmf;
using spin::proto::FlowEvent;
using spin::proto::FlowRecord;

namespace {

constexpr uint64_t kT0 = 1'700'000'040'000'000;  // a minute boundary, in µs

FlowRecord record(FlowEvent event, uint64_t first_us, uint64_t last_us, uint64_t pkts_out, uint64_t pkts_in,
                  uint32_t flow_id = 7) {
    FlowRecord r{};
    r.event = static_cast<uint8_t>(event);
    r.proto = 6;
    r.ip_version = 4;
    const uint8_t mac[6] = {0x00, 0x17, 0x88, 0x01, 0x02, 0x03};
    std::memcpy(r.mac, mac, 6);
    const uint8_t lan[4] = {10, 0, 0, 5}, remote[4] = {93, 184, 216, 34};
    std::memcpy(r.lan_ip, lan, 4);
    std::memcpy(r.remote_ip, remote, 4);
    r.lan_port = 50000;
    r.remote_port = 443;
    r.first_us = first_us;
    r.last_us = last_us;
    r.pkts_out = pkts_out;
    r.bytes_out = pkts_out * 100;
    r.pkts_in = pkts_in;
    r.bytes_in = pkts_in * 1000;
    r.flow_id = flow_id;
    return r;
}

TrafficCounters sum(const FlowAccounting::Pending& p) {
    TrafficCounters total;
    for (const auto& [k, c] : p) total += c;
    return total;
}

TEST(FlowAccounting, RunningTotalsBecomeDeltasInTheMinuteOfTheLastPacket) {
    FlowAccounting a;
    EXPECT_TRUE(a.account(0, record(FlowEvent::start, kT0, kT0, 1, 0)));
    EXPECT_TRUE(a.account(0, record(FlowEvent::update, kT0, kT0 + 30'000'000, 10, 8)));
    EXPECT_TRUE(a.account(0, record(FlowEvent::end, kT0, kT0 + 70'000'000, 12, 11)));
    const auto p = a.take_pending();
    ASSERT_EQ(p.size(), 2u);  // two minutes
    for (const auto& [k, c] : p) {
        EXPECT_EQ(k.remote_port, 443);
        EXPECT_EQ(k.mac, 0x001788010203ull);
        if (k.bucket == 1'700'000'040) {
            EXPECT_EQ(c, (TrafficCounters{10, 1000, 8, 8000, 1, 0}));
        } else {
            EXPECT_EQ(k.bucket, 1'700'000'100);
            EXPECT_EQ(c, (TrafficCounters{2, 200, 3, 3000, 0, 0}));
        }
    }
    EXPECT_TRUE(a.take_pending().empty());
}

TEST(FlowAccounting, FlowWhoseFirstPacketMovesBackIsStillOneFlow) {
    // Replaying LAN and WAN captures, an agent may meet the answer before the
    // question: its later records then give an earlier first packet.
    FlowAccounting a;
    a.account(0, record(FlowEvent::start, kT0 + 500, kT0 + 500, 0, 1));
    a.account(0, record(FlowEvent::end, kT0, kT0 + 500, 1, 1));
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{1, 100, 1, 1000, 1, 0}));
    // A start record on the same slot is a new flow, whatever came before.
    a.account(0, record(FlowEvent::start, kT0 + 900, kT0 + 900, 2, 0));
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{2, 200, 0, 0, 1, 0}));
}

TEST(FlowAccounting, SecondAgentReportingTheSameFlowIsNotCountedTwice) {
    FlowAccounting a;
    a.account(0, record(FlowEvent::start, kT0, kT0, 1, 0));
    // Agent 1 sees the same flow a few µs later, with its own flow slot.
    EXPECT_FALSE(a.account(1, record(FlowEvent::start, kT0 + 5, kT0 + 5, 1, 0, 99)));
    a.account(0, record(FlowEvent::end, kT0, kT0 + 1'000'000, 5, 5));
    EXPECT_FALSE(a.account(1, record(FlowEvent::end, kT0 + 5, kT0 + 1'000'010, 5, 5, 99)));
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{5, 500, 5, 5000, 1, 0}));
    EXPECT_EQ(a.stats().duplicates, 2u);
}

TEST(FlowAccounting, QuietOwnerHandsTheFlowOverWithoutRecountingIt) {
    FlowAccounting a(/*takeover_us=*/60'000'000);
    a.account(0, record(FlowEvent::start, kT0, kT0, 1, 1));
    a.account(1, record(FlowEvent::start, kT0 + 5, kT0 + 5, 1, 1, 9));  // duplicate
    // Agent 0 says nothing more; agent 1 still reports 2 minutes later.
    EXPECT_FALSE(a.account(1, record(FlowEvent::update, kT0 + 5, kT0 + 120'000'000, 40, 40, 9)));
    EXPECT_TRUE(a.account(1, record(FlowEvent::update, kT0 + 5, kT0 + 130'000'000, 45, 42, 9)));
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{1 + 5, 100 + 500, 1 + 2, 1000 + 2000, 1, 0}));
    EXPECT_EQ(a.stats().takeovers, 1u);
}

TEST(FlowAccounting, TupleReusedByANewFlowCountsAgain) {
    FlowAccounting a;
    a.account(0, record(FlowEvent::end, kT0, kT0 + 1'000'000, 3, 3));
    a.account(0, record(FlowEvent::end, kT0 + 5'000'000, kT0 + 6'000'000, 2, 2, 8));
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{5, 500, 5, 5000, 2, 0}));
}

TEST(FlowAccounting, RecordsWithoutALanDeviceAndShrinkingTotalsAreCounted) {
    FlowAccounting a;
    FlowRecord r = record(FlowEvent::start, kT0, kT0, 1, 0);
    std::memset(r.mac, 0, 6);
    EXPECT_FALSE(a.account(0, r));
    r.mac[0] = 0x01;  // group address
    EXPECT_FALSE(a.account(0, r));
    EXPECT_EQ(a.stats().no_device, 2u);
    a.account(0, record(FlowEvent::update, kT0, kT0 + 1, 10, 10));
    a.account(0, record(FlowEvent::update, kT0, kT0 + 2, 9, 12));  // pkts_out went down
    EXPECT_EQ(a.stats().regressions, 2u);                          // pkts_out and bytes_out
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{10, 1000, 12, 12000, 1, 0}));
}

TEST(FlowAccounting, EndedFlowsAreRememberedOnlyForDevicesTwoAgentsSee) {
    FlowAccounting a;
    a.account(0, record(FlowEvent::start, kT0, kT0, 1, 0, 1));
    a.account(0, record(FlowEvent::end, kT0, kT0 + 10, 2, 2, 1));
    EXPECT_EQ(a.stats().tracked, 0u);  // one agent: nothing left to tell apart
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{2, 200, 2, 2000, 1, 0}));
    a.account(1, record(FlowEvent::start, kT0 + 20, kT0 + 20, 1, 0, 5));  // a second agent: shared from now on
    EXPECT_EQ(a.stats().shared_devices, 1u);
    a.account(1, record(FlowEvent::end, kT0 + 20, kT0 + 30, 3, 0, 5));
    EXPECT_EQ(a.stats().tracked, 1u);  // kept, for agent 0's report of the same flow
    EXPECT_FALSE(a.account(0, record(FlowEvent::end, kT0 + 21, kT0 + 31, 3, 0, 6)));
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{3, 300, 0, 0, 1, 0}));
}

TEST(FlowAccounting, SweepForgetsEndedAndSilentFlows) {
    FlowAccounting a(60'000'000, 600'000'000);
    auto on_port = [](FlowRecord r, uint16_t port) {
        r.remote_port = port;
        return r;
    };
    a.account(0, on_port(record(FlowEvent::end, kT0, kT0, 1, 1, 1), 443));
    a.account(0, on_port(record(FlowEvent::update, kT0, kT0, 1, 1, 2), 80));
    FlowRecord latest = on_port(record(FlowEvent::update, kT0, kT0 + 120'000'000, 1, 1, 3), 53);
    a.account(0, latest);
    a.sweep();
    EXPECT_EQ(a.stats().tracked, 2u);  // the ended flow is forgotten; the open ones are kept
    latest.last_us = kT0 + 1'000'000'000;
    a.account(0, latest);
    a.sweep();
    EXPECT_EQ(a.stats().tracked, 1u);  // so is the silent one, after forget_us
}

// Captures replayed one after another into one controller: an older one
// after a newer one reads as months old by packet time.  A sweep in the
// middle of its replay must not forget its flows (their next records would
// count their whole totals again: controller-corpus found it).
TEST(FlowAccounting, AFlowStillReportedIsNotSweptHoweverOldItsPackets) {
    FlowAccounting a(60'000'000, 600'000'000);
    FlowRecord newer = record(FlowEvent::update, kT0 + 10'000'000'000, kT0 + 10'000'000'000, 1, 1, 1);
    newer.remote_port = 8443;
    a.account(0, newer);
    a.sweep();
    a.account(0, record(FlowEvent::update, kT0, kT0 + 1'000'000, 2, 2, 2));
    a.sweep();  // the old capture's flow: a record since the last sweep
    a.account(0, record(FlowEvent::end, kT0, kT0 + 2'000'000, 3, 3, 2));
    EXPECT_EQ(sum(a.take_pending()), (TrafficCounters{4, 400, 4, 4000, 2, 0}));  // 1 + 3 each way, 2 flows
    a.sweep();
    EXPECT_EQ(a.stats().tracked, 1u);  // the newer capture's flow: open, and nothing is newer
}

}  // namespace

namespace {

// What take_changes() gives is what a restarted accounting needs to resume:
// the flow's next record counts only what happened since, not its lifetime.
TEST(FlowAccounting, RestoredFlowResumesFromItsStoredTotals) {
    FlowAccounting a;
    a.account(0, record(FlowEvent::start, kT0, kT0 + 1'000'000, 10, 10));
    a.account(0, record(FlowEvent::update, kT0, kT0 + 2'000'000, 30, 20));
    a.take_pending();
    const FlowAccounting::Changes changes = a.take_changes();
    ASSERT_EQ(changes.changed.size(), 1u);  // one flow, reported twice
    EXPECT_TRUE(changes.forgotten.empty());
    EXPECT_EQ(changes.changed[0].state.totals.pkts_out, 30u);
    EXPECT_TRUE(a.take_changes().changed.empty());  // nothing since

    FlowAccounting restarted;
    restarted.restore(changes.changed[0]);
    EXPECT_EQ(restarted.stats().restored, 1u);
    restarted.account(0, record(FlowEvent::update, kT0, kT0 + 3'000'000, 35, 22));
    const TrafficCounters after = sum(restarted.take_pending());
    EXPECT_EQ(after.pkts_out, 5u);
    EXPECT_EQ(after.pkts_in, 2u);
    EXPECT_EQ(after.flows, 0u);  // the store counted the flow already
    // A fresh accounting (no store) would count the whole lifetime again.
    FlowAccounting fresh;
    fresh.account(0, record(FlowEvent::update, kT0, kT0 + 3'000'000, 35, 22));
    EXPECT_EQ(sum(fresh.take_pending()).pkts_out, 35u);
}

TEST(FlowAccounting, FlowsEndedOrSweptAreForgottenOnlyIfGivenBefore) {
    FlowAccounting a(60'000'000, 600'000'000);
    // Started and ended between two calls: the store never needs to hear of it.
    a.account(0, record(FlowEvent::start, kT0, kT0 + 1'000'000, 1, 1, 1));
    a.account(0, record(FlowEvent::end, kT0, kT0 + 2'000'000, 2, 2, 1));
    FlowAccounting::Changes c = a.take_changes();
    EXPECT_TRUE(c.changed.empty());
    EXPECT_TRUE(c.forgotten.empty());
    // Given while open, then ended: forgotten, and a new flow on the same
    // tuple in the same interval is given again after it.
    a.account(0, record(FlowEvent::start, kT0, kT0 + 3'000'000, 1, 1, 2));
    EXPECT_EQ(a.take_changes().changed.size(), 1u);
    a.account(0, record(FlowEvent::end, kT0, kT0 + 4'000'000, 3, 3, 2));
    a.account(0, record(FlowEvent::start, kT0 + 5'000'000, kT0 + 5'000'000, 1, 0, 3));
    c = a.take_changes();
    EXPECT_EQ(c.forgotten.size(), 1u);
    ASSERT_EQ(c.changed.size(), 1u);
    EXPECT_EQ(c.changed[0].state.flow_id, 3u);
    // Silent past forget_us: swept, and forgotten in the store too.
    FlowRecord later = record(FlowEvent::start, kT0, kT0 + 700'000'000, 1, 0, 4);
    later.lan_port = 1;
    a.sweep();  // flow 3 was reported since the last sweep: kept
    a.account(0, later);
    a.sweep();
    c = a.take_changes();
    EXPECT_EQ(c.forgotten.size(), 1u);
    EXPECT_EQ(c.changed.size(), 1u);  // the late flow itself
}

}  // namespace
