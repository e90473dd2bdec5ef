// Pipeline tests: frames built here go straight into the worker's processing
// function as mbufs, in the order each test chooses, without ports.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dataplane/worker.h"
#include "eal_environment.h"
#include "packet_builder.h"

using namespace spin;
using namespace spin::gen;
using dp::kLan;
using dp::kWan;
using proto::FlowRecord;

namespace {

const Mac kDev{{0x02, 0, 0, 0, 0, 0x11}}, kDev2{{0x02, 0, 0, 0, 0, 0x12}}, kGw{{0x02, 0, 0, 0, 0, 0xfe}};
const Ip kDevIp = Ip::v4("10.0.0.11"), kDev2Ip = Ip::v4("10.0.0.12"), kCloud = Ip::v4("192.0.2.10");
constexpr uint64_t T0 = 1'767'225'600'000'000ull;

int g_ring_id = 0;

class Pipeline : public ::testing::Test {
protected:
    void make(dp::WorkerConfig cfg = {}, uint32_t ring_size = 4096) {
        if (cfg.flow_capacity == 1'000'000) cfg.flow_capacity = 1024;
        ring_ = std::make_unique<dp::RecordRing>("test_ring_" + std::to_string(g_ring_id++), ring_size, 0);
        worker_ = std::make_unique<dp::Worker>(cfg, tables_, ring_.get());
    }

    rte_mbuf* mbuf(const Bytes& frame, uint64_t ts_us = 0) {
        rte_mbuf* m = rte_pktmbuf_alloc(test::mbuf_pool());
        EXPECT_NE(m, nullptr);
        std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
        if (ts_us != 0 && ts_offset_ >= 0) {
            *RTE_MBUF_DYNFIELD(m, ts_offset_, rte_mbuf_timestamp_t*) = ts_us;
            m->ol_flags |= ts_flag_;
        }
        return m;
    }

    // Sends frames one burst from one side; returns the forwarded frames' bytes.
    std::vector<Bytes> send(dp::Side side, const std::vector<Bytes>& frames, uint64_t now = T0) {
        std::vector<rte_mbuf*> in, out(frames.size() + 1);
        for (const auto& f : frames) in.push_back(mbuf(f));
        const uint16_t n = worker_->process_burst(side, in.data(), static_cast<uint16_t>(in.size()), now, out.data());
        std::vector<Bytes> fwd;
        for (uint16_t i = 0; i < n; ++i) {
            const auto* p = rte_pktmbuf_mtod(out[i], const uint8_t*);
            fwd.emplace_back(p, p + rte_pktmbuf_pkt_len(out[i]));
            rte_pktmbuf_free(out[i]);
        }
        return fwd;
    }

    // Housekeeping examines one slice of the table per call: sweep all of it.
    void sweep(uint64_t now) {
        for (uint32_t i = 0; i <= worker_->flows().capacity() / worker_->scan_slice() + 1; ++i)
            worker_->housekeeping(now);
    }

    // End records of every open flow, as at exit.
    std::vector<FlowRecord> drain_ends() {
        std::vector<FlowRecord> ends;
        worker_->drain(proto::EndReason::exit, [&](const FlowRecord& r) {
            if (r.event == static_cast<uint8_t>(proto::FlowEvent::end)) ends.push_back(r);
        });
        return ends;
    }

    std::vector<FlowRecord> records() {
        worker_->housekeeping(0);  // flushes staged records
        std::vector<FlowRecord> all;
        FlowRecord buf[64];
        for (unsigned n; (n = ring_->dequeue(buf, 64)) != 0;) all.insert(all.end(), buf, buf + n);
        return all;
    }

    static Bytes up(const Mac& dev, const Ip& src, uint16_t sport, uint8_t flags, size_t len = 0,
                    uint16_t dport = 443) {
        return ethernet({dev, kGw, {}}, 0x0800,
                        ip_packet(src, kCloud, 6, tcp(src, kCloud, sport, dport, 1, 1, flags, Bytes(len, 1))));
    }
    static Bytes down(const Mac& dev, const Ip& dst, uint16_t dport, uint8_t flags, size_t len = 0,
                      uint16_t sport = 443) {
        return ethernet({kGw, dev, {}}, 0x0800,
                        ip_packet(kCloud, dst, 6, tcp(kCloud, dst, sport, dport, 1, 1, flags, Bytes(len, 2))));
    }
    static Bytes udp_up(uint16_t sport, size_t len = 10) {
        return ethernet({kDev, kGw, {}}, 0x0800,
                        ip_packet(kDevIp, kCloud, 17, udp(kDevIp, kCloud, sport, 53, Bytes(len, 3))));
    }

    dp::SharedTables tables_{4};
    std::unique_ptr<dp::RecordRing> ring_;
    std::unique_ptr<dp::Worker> worker_;
    int ts_offset_ = -1;
    uint64_t ts_flag_ = 0;
};

}  // namespace

TEST_F(Pipeline, ForwardsEverythingInOrderAndMetersBothDirections) {
    make();
    const std::vector<Bytes> lan = {up(kDev, kDevIp, 5000, 0x02), up(kDev, kDevIp, 5000, 0x10),
                                    up(kDev, kDevIp, 5000, 0x18, 100), udp_up(7000)};
    EXPECT_EQ(send(kLan, lan), lan);
    const std::vector<Bytes> wan = {down(kDev, kDevIp, 5000, 0x12), down(kDev, kDevIp, 5000, 0x18, 1000)};
    EXPECT_EQ(send(kWan, wan), wan);
    const auto recs = records();
    ASSERT_EQ(recs.size(), 2u);  // two start records
    EXPECT_EQ(recs[0].event, static_cast<uint8_t>(proto::FlowEvent::start));
    for (const auto& r : drain_ends()) {
        if (r.proto != 6) continue;
        EXPECT_EQ(r.pkts_out, 3u);
        EXPECT_EQ(r.pkts_in, 2u);
        EXPECT_EQ(r.bytes_out, lan[0].size() + lan[1].size() + lan[2].size());
        EXPECT_EQ(r.bytes_in, wan[0].size() + wan[1].size());
        EXPECT_EQ(r.initiator, static_cast<uint8_t>(proto::Initiator::lan));
        EXPECT_EQ(r.lan_port, 5000);
        EXPECT_EQ(r.remote_port, 443);
        EXPECT_EQ(std::memcmp(r.mac, kDev.b, 6), 0);
        EXPECT_EQ(std::memcmp(r.lan_ip, kDevIp.b, 4), 0);
        EXPECT_EQ(r.tcp_flags, 0x1a);
        EXPECT_EQ(r.end_reason, static_cast<uint8_t>(proto::EndReason::exit));
    }
    EXPECT_EQ(worker_->stats().rx_pkts[kLan].get(), 4u);
    EXPECT_EQ(worker_->stats().flows_created.get(), 2u);
}

TEST_F(Pipeline, SynAckSeenFirstStillNamesTheInitiator) {
    make();
    send(kWan, {down(kDev, kDevIp, 5001, 0x12)});
    send(kLan, {up(kDev, kDevIp, 5001, 0x10)});
    const auto ends = drain_ends();
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].initiator, static_cast<uint8_t>(proto::Initiator::lan));
    EXPECT_EQ(ends[0].pkts_in, 1u);
    EXPECT_EQ(ends[0].pkts_out, 1u);
}

TEST_F(Pipeline, InboundConnectionIsRemoteInitiatedAndEndsOnRst) {
    dp::WorkerConfig cfg;
    cfg.timeouts.tcp_closed_us = 1'000'000;
    make(cfg);
    send(kWan, {down(kDev, kDevIp, 8080, 0x02, 0, 61000)}, T0);
    send(kLan, {up(kDev, kDevIp, 8080, 0x14, 0, 61000)}, T0 + 1000);
    records();
    sweep(T0 + 5'000'000);
    const auto recs = records();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].event, static_cast<uint8_t>(proto::FlowEvent::end));
    EXPECT_EQ(recs[0].end_reason, static_cast<uint8_t>(proto::EndReason::rst));
    EXPECT_EQ(recs[0].initiator, static_cast<uint8_t>(proto::Initiator::remote));
}

TEST_F(Pipeline, FinBothWaysEndsAfterTheCloseTimeoutNotBefore) {
    dp::WorkerConfig cfg;
    cfg.timeouts.tcp_closed_us = 2'000'000;
    make(cfg);
    send(kLan, {up(kDev, kDevIp, 5002, 0x02)}, T0);
    send(kLan, {up(kDev, kDevIp, 5002, 0x11)}, T0 + 10);
    send(kWan, {down(kDev, kDevIp, 5002, 0x11)}, T0 + 20);
    records();
    sweep(T0 + 1'000'000);
    EXPECT_TRUE(records().empty());
    sweep(T0 + 3'000'000);
    const auto recs = records();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].end_reason, static_cast<uint8_t>(proto::EndReason::fin));
}

TEST_F(Pipeline, IdleTimeoutsPerProtocolAndPeriodicUpdates) {
    dp::WorkerConfig cfg;
    cfg.timeouts.udp_us = 30'000'000;
    cfg.timeouts.tcp_us = 100'000'000;
    cfg.update_interval_us = 10'000'000;
    make(cfg);
    send(kLan, {udp_up(7001), up(kDev, kDevIp, 5003, 0x10)}, T0);
    records();
    send(kLan, {udp_up(7001), up(kDev, kDevIp, 5003, 0x10)}, T0 + 11'000'000);
    sweep(T0 + 11'000'000);
    auto recs = records();
    ASSERT_EQ(recs.size(), 2u);
    for (const auto& r : recs) {
        EXPECT_EQ(r.event, static_cast<uint8_t>(proto::FlowEvent::update));
        EXPECT_EQ(r.pkts_out, 2u);
    }
    sweep(T0 + 50'000'000);  // UDP idle 39 s > 30 s, TCP 39 s < 100 s
    recs = records();
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].proto, 17);
    EXPECT_EQ(recs[0].end_reason, static_cast<uint8_t>(proto::EndReason::idle));
    EXPECT_EQ(worker_->stats().flows_active.get(), 1u);
}

TEST_F(Pipeline, DevicesSharingATupleAreSeparateFlows) {
    make();
    const Ip zero = Ip::v4("0.0.0.0"), bcast = Ip::v4("255.255.255.255");
    const Mac all{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    auto discover = [&](const Mac& m) {
        return ethernet({m, all, {}}, 0x0800, ip_packet(zero, bcast, 17, udp(zero, bcast, 68, 67, Bytes(250, 0))));
    };
    send(kLan, {discover(kDev), discover(kDev2), discover(kDev)});
    const auto ends = drain_ends();
    ASSERT_EQ(ends.size(), 2u);
    for (const auto& r : ends) EXPECT_EQ(r.pkts_out, r.mac[5] == 0x11 ? 2u : 1u);
}

TEST_F(Pipeline, QuarantineTakesEffectMidStreamAndIsCounted) {
    make();
    const Bytes a = up(kDev, kDevIp, 5004, 0x10, 10), b = up(kDev2, kDev2Ip, 5004, 0x10, 10);
    EXPECT_EQ(send(kLan, {a, b}).size(), 2u);
    dp::TableEntry rule;
    rule.rule = 9;
    rule.kind = dp::EntryKind::quarantine;
    rule.mac = MacAddress(kDev.b);
    tables_.publish_blocks({rule});
    const Bytes arp_frame = ethernet({kDev, kGw, {}}, 0x0806, arp(false, kDev, kDevIp, Mac{}, kCloud));
    EXPECT_EQ(send(kLan, {a, b, arp_frame}), std::vector<Bytes>{b});
    EXPECT_EQ(send(kWan, {down(kDev, kDevIp, 5004, 0x10)}).size(), 0u);
    EXPECT_EQ(worker_->rule_pkts(9), 3u);
    EXPECT_EQ(worker_->stats().blocked_pkts.get(), 3u);
    auto recs = records();
    ASSERT_EQ(recs.size(), 3u);  // two starts and one blocked
    EXPECT_EQ(recs[2].event, static_cast<uint8_t>(proto::FlowEvent::blocked));
    EXPECT_EQ(recs[2].rule, 9u);
    tables_.publish_blocks({});  // unblock
    EXPECT_EQ(send(kLan, {a}).size(), 1u);
    for (const auto& r : drain_ends()) {
        if (r.mac[5] != 0x11) continue;
        EXPECT_EQ(r.blocked_pkts, 2u);
        EXPECT_EQ(r.blocked_bytes, a.size() + 60);
        EXPECT_EQ(r.pkts_out, 3u);
        EXPECT_EQ(r.rule, 9u);
    }
}

TEST_F(Pipeline, GlobalRemotePrefixBlocksEveryDevice) {
    make();
    dp::TableEntry rule;
    rule.rule = 3;
    rule.kind = dp::EntryKind::global_remote;
    rule.prefix = *IpPrefix::parse("192.0.2.0/24");
    tables_.publish_blocks({rule});
    EXPECT_TRUE(send(kLan, {up(kDev, kDevIp, 1, 0x02), up(kDev2, kDev2Ip, 2, 0x02)}).empty());
    EXPECT_TRUE(send(kWan, {down(kDev, kDevIp, 1, 0x12)}).empty());
    EXPECT_EQ(worker_->rule_pkts(3), 3u);
}

TEST_F(Pipeline, FullTableForwardsAndCountsWithoutEviction) {
    dp::WorkerConfig cfg;
    cfg.flow_capacity = 2;
    cfg.evict_when_full = false;
    make(cfg);
    const std::vector<Bytes> frames = {udp_up(1), udp_up(2), udp_up(3), udp_up(4)};
    EXPECT_EQ(send(kLan, frames), frames);
    EXPECT_EQ(worker_->stats().flows_untracked.get(), 2u);
    EXPECT_EQ(worker_->flows().size(), 2u);
}

TEST_F(Pipeline, FullTableEvictsTheLeastRecentlySeen) {
    dp::WorkerConfig cfg;
    cfg.flow_capacity = 2;
    cfg.evict_min_idle_us = 1'000'000;
    make(cfg);
    send(kLan, {udp_up(1)}, T0);
    send(kLan, {udp_up(2)}, T0 + 10);
    send(kLan, {udp_up(3)}, T0 + 500'000);  // nobody idle for 1 s yet: untracked
    EXPECT_EQ(worker_->stats().flows_untracked.get(), 1u);
    records();
    send(kLan, {udp_up(4)}, T0 + 2'000'000);
    EXPECT_EQ(worker_->stats().flows_evicted.get(), 1u);
    const auto recs = records();
    ASSERT_EQ(recs.size(), 2u);  // end of port 1 (oldest), start of port 4
    EXPECT_EQ(recs[0].end_reason, static_cast<uint8_t>(proto::EndReason::evict));
    EXPECT_EQ(recs[0].lan_port, 1);
    EXPECT_EQ(recs[1].lan_port, 4);
}

TEST_F(Pipeline, RingOverflowIsCountedNotWaitedOn) {
    dp::WorkerConfig cfg;
    cfg.flow_capacity = 5000;
    make(cfg, 64);
    for (uint16_t base = 0; base < 4000; base += 32) {
        std::vector<Bytes> burst;
        for (uint16_t i = 0; i < 32; ++i) burst.push_back(udp_up(static_cast<uint16_t>(base + i)));
        EXPECT_EQ(send(kLan, burst).size(), 32u);
        worker_->housekeeping(0);
    }
    const auto& s = worker_->stats();
    // 4000 start records: the ring takes its capacity, the worker's stage
    // keeps 256 for later, the rest are counted as lost.
    EXPECT_EQ(s.records.get(), ring_->capacity());
    EXPECT_EQ(s.ring_overflow.get(), 4000u - ring_->capacity() - 256u);
}

// Records are built in the ring itself; while it is full they wait in the
// worker's stage, and every later one behind them, so the control side gets
// them in order and none is lost; drain() hands over what was never committed.
TEST_F(Pipeline, RecordsBuiltInTheRingKeepTheirOrderWhenItFills) {
    dp::WorkerConfig cfg;
    cfg.flow_capacity = 5000;
    make(cfg, 64);
    const auto send_flows = [&](uint16_t from, uint16_t to) {
        std::vector<Bytes> burst;
        for (uint16_t port = from; port < to; ++port) burst.push_back(udp_up(port));
        EXPECT_EQ(send(kLan, burst).size(), burst.size());
    };
    std::vector<uint16_t> ports;
    const auto take = [&](unsigned max) {
        FlowRecord buf[64];
        const unsigned n = ring_->dequeue(buf, std::min(max, 64u));
        for (unsigned i = 0; i < n; ++i) ports.push_back(buf[i].lan_port);
        return n;
    };
    send_flows(1000, 1032);
    send_flows(1032, 1064);
    EXPECT_EQ(take(64), 0u);  // built in place, not committed yet
    send_flows(1064, 1080);   // the ring is full: these wait in the stage
    EXPECT_EQ(take(10), 10u);
    send_flows(1080, 1085);  // room in the ring again, but they queue behind the stage
    worker_->housekeeping(0);
    while (take(64) != 0) worker_->housekeeping(0);
    send_flows(1085, 1088);  // in place, never committed: drain hands them over
    std::vector<uint16_t> drained;
    worker_->drain(proto::EndReason::exit, [&](const FlowRecord& r) {
        if (r.event == static_cast<uint8_t>(proto::FlowEvent::start)) drained.push_back(r.lan_port);
    });
    EXPECT_EQ(take(64), 0u);
    ports.insert(ports.end(), drained.begin(), drained.end());
    std::vector<uint16_t> expected;
    for (uint16_t port = 1000; port < 1088; ++port) expected.push_back(port);
    EXPECT_EQ(ports, expected);
    EXPECT_EQ(worker_->stats().ring_overflow.get(), 0u);
    EXPECT_EQ(worker_->stats().records.get(), 85u);
}

TEST_F(Pipeline, MonitorModeForwardsNothingAndTakesDirectionFromPrefixes) {
    dp::WorkerConfig cfg;
    cfg.monitor = true;
    const IpPrefix lan = *IpPrefix::parse("10.0.0.0/24");
    cfg.lan = dp::LanClassifier({lan}, nullptr);
    make(cfg);
    // The reply is seen first: the prefix, not arrival order, names the LAN end.
    EXPECT_TRUE(send(kLan, {down(kDev, kDevIp, 5005, 0x12), up(kDev, kDevIp, 5005, 0x10)}).empty());
    const auto ends = drain_ends();
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].lan_port, 5005);
    EXPECT_EQ(ends[0].pkts_in, 1u);
    EXPECT_EQ(ends[0].pkts_out, 1u);
    EXPECT_EQ(ends[0].mac[5], 0x11);
}

TEST_F(Pipeline, PacketTimestampsDriveFlowTimes) {
    ASSERT_EQ(rte_mbuf_dyn_rx_timestamp_register(&ts_offset_, &ts_flag_), 0);
    dp::WorkerConfig cfg;
    cfg.rx_timestamp_units_per_us[kLan] = 1;
    cfg.rx_timestamp_units_per_us[kWan] = 1;
    make(cfg);
    rte_mbuf* in[2] = {mbuf(udp_up(9), T0 + 5), mbuf(udp_up(9), T0 + 900)};
    rte_mbuf* out[2];
    ASSERT_EQ(worker_->process_burst(kLan, in, 2, 42, out), 2);
    rte_pktmbuf_free_bulk(out, 2);
    const auto ends = drain_ends();
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].first_us, T0 + 5);
    EXPECT_EQ(ends[0].last_us, T0 + 900);
}

TEST_F(Pipeline, MalformedFramesAreForwardedAndCounted) {
    make();
    Bytes bad = up(kDev, kDevIp, 1, 0x02);
    bad[14] = 0x41;
    const Bytes runt(10, 0xaa);
    EXPECT_EQ(send(kLan, {bad, runt}), (std::vector<Bytes>{bad, runt}));
    EXPECT_EQ(worker_->stats().malformed.get(), 1u);
    EXPECT_EQ(worker_->stats().truncated.get(), 1u);
    EXPECT_EQ(worker_->flows().size(), 0u);
}

// A port that would cut a frame never gets it: dropped and counted instead.
TEST_F(Pipeline, FramesLongerThanTheOutgoingPortTakesAreDroppedNotCut) {
    dp::WorkerConfig cfg;
    cfg.max_tx_frame[kWan] = 100;
    make(cfg);
    const Bytes fits = up(kDev, kDevIp, 1, 0x10, 100 - 54), longer = up(kDev, kDevIp, 1, 0x10, 101 - 54);
    ASSERT_EQ(fits.size(), 100u);
    EXPECT_EQ(send(kLan, {fits, longer}), (std::vector<Bytes>{fits}));
    EXPECT_EQ(worker_->stats().oversize.get(), 1u);
    EXPECT_EQ(send(kWan, {down(kDev, kDevIp, 1, 0x10, 500)}).size(), 1u);  // the LAN port has no limit
}

TEST_F(Pipeline, EarlierTimestampProcessedLaterNamesTheInitiator) {
    ASSERT_EQ(rte_mbuf_dyn_rx_timestamp_register(&ts_offset_, &ts_flag_), 0);
    dp::WorkerConfig cfg;
    cfg.rx_timestamp_units_per_us[kLan] = 1;
    cfg.rx_timestamp_units_per_us[kWan] = 1;
    make(cfg);
    // The answer (t=200) reaches the worker before the query (t=100).
    const Bytes answer =
        ethernet({kGw, kDev, {}}, 0x0800, ip_packet(kCloud, kDevIp, 17, udp(kCloud, kDevIp, 53, 7000, Bytes(30, 0))));
    rte_mbuf* a[1] = {mbuf(answer, T0 + 200)};
    rte_mbuf* q[1] = {mbuf(udp_up(7000), T0 + 100)};
    rte_mbuf* out[1];
    ASSERT_EQ(worker_->process_burst(kWan, a, 1, 0, out), 1);
    rte_pktmbuf_free(out[0]);
    ASSERT_EQ(worker_->process_burst(kLan, q, 1, 0, out), 1);
    rte_pktmbuf_free(out[0]);
    const auto ends = drain_ends();
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].initiator, static_cast<uint8_t>(proto::Initiator::lan));
    EXPECT_EQ(ends[0].first_us, T0 + 100);
    EXPECT_EQ(ends[0].last_us, T0 + 200);
}

namespace {

// kDev's MUD policy: TCP to 192.0.2.0/24 port 443 opened by the device, the
// answers back, and ICMP echo requests out.
std::vector<dp::DevicePolicyTable> https_policy(bool enforce) {
    dp::PolicyRule out, back, echo;
    out.proto = back.proto = 6;
    out.any_remote = back.any_remote = false;
    out.remotes = back.remotes = {*IpPrefix::parse("192.0.2.0/24")};
    out.remote_port = back.remote_port = PortRange::only(443);
    out.opener = back.opener = static_cast<uint8_t>(proto::Initiator::lan);
    back.dir = 1;
    echo.proto = 1;
    echo.icmp_type = 8;
    return {{.mac = MacAddress(kDev.b), .rule = 21, .enforce = enforce, .rules = {out, back, echo}}};
}

}  // namespace

TEST_F(Pipeline, MudPolicyInEnforceModeDropsWhatNoEntryAllows) {
    make();
    tables_.publish_policies(https_policy(true));
    const Bytes syn = up(kDev, kDevIp, 6000, 0x02), synack = down(kDev, kDevIp, 6000, 0x12);
    const Bytes telnet = up(kDev, kDevIp, 6001, 0x02, 0, 23), other = up(kDev2, kDev2Ip, 6002, 0x02, 0, 23);
    EXPECT_EQ(send(kLan, {syn, telnet, other}), (std::vector<Bytes>{syn, other}));
    EXPECT_EQ(send(kWan, {synack}), std::vector<Bytes>{synack});
    // Inbound: a remote opening a connection to the device is no entry's.
    const Bytes inbound = down(kDev, kDevIp, 8080, 0x02, 0, 50000);
    EXPECT_TRUE(send(kWan, {inbound}).empty());
    const Bytes echo =
        ethernet({kDev, kGw, {}}, 0x0800, ip_packet(kDevIp, kCloud, 1, icmp_echo(false, kDevIp, kCloud, false, 1, 1)));
    const Bytes reply_out =
        ethernet({kDev, kGw, {}}, 0x0800, ip_packet(kDevIp, kCloud, 1, icmp_echo(false, kDevIp, kCloud, true, 1, 1)));
    EXPECT_EQ(send(kLan, {echo, reply_out}), std::vector<Bytes>{echo});  // echo requests only
    const Bytes lldp = ethernet({kDev, Mac{{0x01, 0x80, 0xc2, 0, 0, 0x0e}}, {}}, 0x88cc, Bytes(40, 0));
    const Bytes arp_frame = ethernet({kDev, kGw, {}}, 0x0806, arp(false, kDev, kDevIp, Mac{}, kCloud));
    EXPECT_EQ(send(kLan, {lldp, arp_frame}), std::vector<Bytes>{arp_frame});  // ARP is neighbour discovery
    EXPECT_EQ(worker_->rule_pkts(21), 4u);
    const auto recs = records();
    int blocked = 0;
    for (const auto& r : recs) {
        if (r.event == static_cast<uint8_t>(proto::FlowEvent::blocked)) {
            ++blocked;
            EXPECT_EQ(r.rule, 21u);
        }
        if (r.event == static_cast<uint8_t>(proto::FlowEvent::start) && r.lan_port == 6000) {
            EXPECT_EQ(r.mud_out, 1);
            EXPECT_EQ(r.mud_in, 2);
        }
        if (r.event == static_cast<uint8_t>(proto::FlowEvent::start) && r.remote_port == 23 && r.mac[5] == 0x11)
            EXPECT_EQ(r.mud_out, dp::kPolicyNoEntry);
        if (r.mac[5] == 0x12) EXPECT_EQ(r.mud_out, dp::kPolicyNone);  // no policy
    }
    EXPECT_EQ(blocked, 3);  // telnet, inbound, the echo reply's flow: one each
}

TEST_F(Pipeline, MudPolicyInMonitorModeDropsNothingAndReportsTheVerdicts) {
    make();
    tables_.publish_policies(https_policy(false));
    const Bytes syn = up(kDev, kDevIp, 6000, 0x02), telnet = up(kDev, kDevIp, 6001, 0x02, 0, 23);
    EXPECT_EQ(send(kLan, {syn, telnet}), (std::vector<Bytes>{syn, telnet}));
    EXPECT_EQ(worker_->rule_pkts(21), 0u);
    const auto recs = records();
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[0].mud_out, 1);
    EXPECT_EQ(recs[1].mud_out, dp::kPolicyNoEntry);
    // A new policy version is a new decision for flows already open.
    dp::PolicyRule any;
    tables_.publish_policies({{.mac = MacAddress(kDev.b), .rule = 21, .enforce = true, .rules = {any}}});
    EXPECT_EQ(send(kLan, {telnet}).size(), 1u);
    for (const auto& r : drain_ends()) EXPECT_EQ(r.mud_out, 1) << r.lan_port;
}

// --- The Mirai reflex (dataplane/scan_reflex.h) ---

namespace {

Ip target(uint32_t i) {  // distinct public-looking targets
    Ip ip = Ip::v4("198.18.0.0");
    ip.b[2] = static_cast<uint8_t>(i >> 8);
    ip.b[3] = static_cast<uint8_t>(i);
    return ip;
}

uint32_t as_seq(const Ip& ip) {
    return uint32_t{ip.b[0]} << 24 | uint32_t{ip.b[1]} << 16 | uint32_t{ip.b[2]} << 8 | ip.b[3];
}

// Mirai's probe: a SYN whose sequence number is its destination address.
Bytes scan_syn(const Mac& dev, const Ip& src, const Ip& dst, uint16_t dport = 23, bool signature = true) {
    return ethernet({dev, kGw, {}}, 0x0800,
                    ip_packet(src, dst, 6, tcp(src, dst, 40000, dport, signature ? as_seq(dst) : 12345, 0, 0x02, {})));
}

dp::WorkerConfig reflex_config(dp::ReflexMode mode, uint32_t threshold = 3) {
    dp::WorkerConfig cfg;
    cfg.reflex.mode = mode;
    cfg.reflex.threshold = threshold;
    cfg.reflex.rule = 77;
    return cfg;
}

}  // namespace

TEST_F(Pipeline, ReflexStopsADeviceAtItsThresholdScanSynAndRaisesOneAlarm) {
    make(reflex_config(dp::ReflexMode::quarantine));
    std::vector<Bytes> scans;
    for (uint32_t i = 0; i < 6; ++i) scans.push_back(scan_syn(kDev, kDevIp, target(i), i == 1 ? 2323 : 23));
    const auto fwd = send(kLan, scans);
    ASSERT_EQ(fwd.size(), 2u);  // threshold 3: the third is the first dropped
    EXPECT_EQ(fwd[0], scans[0]);
    EXPECT_EQ(fwd[1], scans[1]);
    // Everything else of the device stops too, both ways; other devices go on.
    EXPECT_TRUE(send(kLan, {up(kDev, kDevIp, 5000, 0x02)}).empty());
    EXPECT_TRUE(send(kWan, {down(kDev, kDevIp, 5000, 0x12)}).empty());
    EXPECT_TRUE(send(kLan, {udp_up(7000)}).empty());
    EXPECT_EQ(send(kLan, {up(kDev2, kDev2Ip, 5000, 0x02)}).size(), 1u);
    EXPECT_EQ(worker_->stats().reflex_syns.get(), 3u);  // the held device's later SYNs never reach the count
    EXPECT_EQ(worker_->stats().reflex_held_pkts.get(), 7u);
    EXPECT_EQ(worker_->rule_pkts(77), 7u);

    dp::ScanAlarm alarms[4];
    ASSERT_EQ(worker_->reflex().take_alarms(alarms, 4), 1u);
    const dp::ScanAlarm& a = alarms[0];
    EXPECT_EQ(std::memcmp(a.mac, kDev.b, 6), 0);
    EXPECT_TRUE(a.held);
    EXPECT_EQ(a.count, 3u);
    ASSERT_EQ(a.targets, 3u);
    EXPECT_EQ(std::memcmp(a.target[1].addr, target(1).b, 4), 0);
    EXPECT_EQ(a.target[1].port, 2323);
    EXPECT_EQ(std::memcmp(a.lan_ip, kDevIp.b, 4), 0);
    EXPECT_EQ(worker_->reflex().take_alarms(alarms, 4), 0u);
    // Held frames are dropped before the flow table: the scans before the trip are flows, the rest not.
    size_t scan_flows = 0;
    for (const auto& r : records())
        if (r.event == static_cast<uint8_t>(proto::FlowEvent::start) && r.remote_port != 443 && r.proto == 6)
            ++scan_flows;
    EXPECT_EQ(scan_flows, 2u);
}

TEST_F(Pipeline, ReflexIgnoresSynsWithoutTheSignatureOrToOtherPorts) {
    make(reflex_config(dp::ReflexMode::quarantine, 1));
    std::vector<Bytes> frames;
    for (uint32_t i = 0; i < 20; ++i) {
        frames.push_back(scan_syn(kDev, kDevIp, target(i), 23, false));  // telnet, ordinary sequence number
        frames.push_back(scan_syn(kDev, kDevIp, target(i), 80, true));   // signature, port not watched
    }
    EXPECT_EQ(send(kLan, frames).size(), frames.size());
    // SYN-ACKs and answers from outside never count: only LAN devices scan.
    EXPECT_EQ(send(kWan, {down(kDev, kDevIp, 5000, 0x12)}).size(), 1u);
    EXPECT_EQ(worker_->stats().reflex_syns.get(), 0u);
    dp::ScanAlarm a[1];
    EXPECT_EQ(worker_->reflex().take_alarms(a, 1), 0u);
}

TEST_F(Pipeline, ReflexOffCountsNothingAndAlertModeDropsNothing) {
    make(reflex_config(dp::ReflexMode::off));
    std::vector<Bytes> scans;
    for (uint32_t i = 0; i < 8; ++i) scans.push_back(scan_syn(kDev, kDevIp, target(i)));
    EXPECT_EQ(send(kLan, scans).size(), 8u);
    EXPECT_EQ(worker_->stats().reflex_syns.get(), 0u);

    make(reflex_config(dp::ReflexMode::alert));
    EXPECT_EQ(send(kLan, scans).size(), 8u);
    EXPECT_EQ(worker_->stats().reflex_syns.get(), 8u);
    dp::ScanAlarm a[2];
    ASSERT_EQ(worker_->reflex().take_alarms(a, 2), 1u);
    EXPECT_FALSE(a[0].held);
    EXPECT_EQ(a[0].count, 3u);
}

// Counting packets, not time: one SYN per second leaks exactly what one
// burst of all of them does.
TEST_F(Pipeline, ReflexLeaksTheSameWhateverThePacketRate) {
    std::vector<Bytes> scans;
    for (uint32_t i = 0; i < 10; ++i) scans.push_back(scan_syn(kDev, kDevIp, target(i)));
    make(reflex_config(dp::ReflexMode::quarantine, 4));
    const size_t burst = send(kLan, scans).size();
    make(reflex_config(dp::ReflexMode::quarantine, 4));
    size_t paced = 0;
    for (uint32_t i = 0; i < scans.size(); ++i) {
        paced += send(kLan, {scans[i]}, T0 + i * 1'000'000ull).size();
        worker_->housekeeping(T0 + i * 1'000'000ull);
    }
    EXPECT_EQ(burst, 3u);
    EXPECT_EQ(paced, 3u);
}

// The hold lasts until the control side's quarantine rule is in force; a
// lift of that rule is the controller's last word: the worker does not trip
// again for the device.
TEST_F(Pipeline, ReflexHoldGivesWayToTheRuleAndALiftIsFinal) {
    make(reflex_config(dp::ReflexMode::quarantine));
    std::vector<Bytes> scans;
    for (uint32_t i = 0; i < 3; ++i) scans.push_back(scan_syn(kDev, kDevIp, target(i)));
    send(kLan, scans);
    EXPECT_TRUE(worker_->reflex().holding());
    worker_->housekeeping(T0);  // no rule yet: still held
    EXPECT_TRUE(worker_->reflex().holding());

    dp::TableEntry q;
    q.rule = 5;
    q.kind = dp::EntryKind::quarantine;
    q.mac = MacAddress(kDev.b);
    tables_.publish_blocks({q});
    worker_->housekeeping(T0 + 1000);
    EXPECT_FALSE(worker_->reflex().holding());
    EXPECT_TRUE(send(kLan, {udp_up(7001)}).empty());  // the rule holds it now
    EXPECT_EQ(worker_->rule_pkts(5), 1u);

    tables_.publish_blocks({});  // the controller lifts it
    std::vector<Bytes> more;
    for (uint32_t i = 10; i < 20; ++i) more.push_back(scan_syn(kDev, kDevIp, target(i)));
    EXPECT_EQ(send(kLan, more).size(), more.size());
    dp::ScanAlarm a[4];
    EXPECT_EQ(worker_->reflex().take_alarms(a, 4), 1u);  // the first trip only
}

// A table full of flows must not hide the probe.
TEST_F(Pipeline, ReflexHoldsWhenTheFlowTableIsFull) {
    dp::WorkerConfig cfg = reflex_config(dp::ReflexMode::quarantine);
    cfg.flow_capacity = 16;
    cfg.evict_when_full = false;
    make(cfg);
    std::vector<Bytes> fill;
    for (uint16_t p = 0; p < 64; ++p) fill.push_back(udp_up(static_cast<uint16_t>(10000 + p)));
    send(kLan, fill);
    std::vector<Bytes> scans;
    for (uint32_t i = 0; i < 5; ++i) scans.push_back(scan_syn(kDev2, kDev2Ip, target(i)));
    EXPECT_EQ(send(kLan, scans).size(), 2u);
    EXPECT_GT(worker_->stats().flows_untracked.get(), 0u);
}

// A device that spoofs MACs to push its count out of the reflex's table
// pushes out only devices with fewer scan SYNs than its own.
TEST_F(Pipeline, ReflexCountSurvivesAFloodOfSpoofedMacs) {
    make(reflex_config(dp::ReflexMode::quarantine));
    EXPECT_EQ(send(kLan, {scan_syn(kDev, kDevIp, target(0)), scan_syn(kDev, kDevIp, target(1))}).size(), 2u);
    for (uint32_t base = 0; base < 4096; base += 32) {
        std::vector<Bytes> spoofed;
        for (uint32_t i = base; i < base + 32; ++i) {
            Mac m{{0x02, 0x66, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)}};
            spoofed.push_back(scan_syn(m, kDevIp, target(100 + i)));
        }
        send(kLan, spoofed);
    }
    EXPECT_GT(worker_->stats().reflex_replaced.get() + worker_->reflex().replaced(), 0u);
    EXPECT_TRUE(send(kLan, {scan_syn(kDev, kDevIp, target(2))}).empty());  // its third: held
}
