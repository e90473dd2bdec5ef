// The controller's detectors (nmf/detect): each fires on the traffic it is
// about, at the stage its thresholds say, with the numbers in its evidence;
// benign traffic of the same shape but below the thresholds, answered, or
// to the home's own networks does not; and the alert gate tells each
// episode once per stage.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/mac_address.h"
#include "nmf/detect/detection.h"

using namespace spin;
using namespace spin::nmf;
using namespace spin::proto;

namespace {

const char* kBot = "02:00:00:00:00:21";
const char* kLaptop = "02:00:00:00:00:22";
constexpr double T0 = 1'767'225'600;

FlowRecord syn(const char* mac, uint32_t target, uint16_t port, double t, const char* prefix = nullptr) {
    FlowRecord r{};
    r.event = static_cast<uint8_t>(FlowEvent::start);
    r.proto = 6;
    r.ip_version = 4;
    r.initiator = static_cast<uint8_t>(Initiator::lan);
    r.tcp_flags = tcp_flag::syn;
    r.icmp_type = kNoIcmpType;
    std::memcpy(r.mac, MacAddress::parse(mac)->bytes().data(), 6);
    if (prefix != nullptr) {
        inet_pton(AF_INET, prefix, r.remote_ip);
        r.remote_ip[3] = static_cast<uint8_t>(target);
    } else {
        const uint32_t be = htonl(0x2d000000u + target);  // 45.x.x.x: public
        std::memcpy(r.remote_ip, &be, 4);
    }
    r.remote_port = port;
    r.lan_port = 40000;
    r.first_us = r.last_us = static_cast<uint64_t>(t * 1e6);
    r.pkts_out = 1;
    r.bytes_out = 60;
    return r;
}

TrafficCounters one_out(uint64_t bytes = 60) { return {1, bytes, 0, 0, 1, 0}; }

struct Collect {
    std::vector<Alert> alerts;
    Detection::Sink sink() {
        return [this](Alert a) { alerts.push_back(std::move(a)); };
    }
};

}  // namespace

TEST(Detection, MiraiLikeScanReachesQuarantineWithinASecond) {
    Collect c;
    Detection d({}, c.sink());
    // 160 SYNs a second, port 23 nine times in ten.
    for (uint32_t i = 0; i < 160; ++i) d.on_record(syn(kBot, i, i % 10 == 0 ? 2323 : 23, T0 + i / 160.0), one_out());
    ASSERT_FALSE(c.alerts.empty());
    EXPECT_EQ(c.alerts.front().detector, "scan");
    EXPECT_EQ(c.alerts.front().stage, "alert");
    EXPECT_EQ(c.alerts.back().stage, "quarantine");
    EXPECT_LT(c.alerts.back().time - T0, 1.0);
    EXPECT_EQ(c.alerts.back().evidence["distinct_targets"], 64);  // 64 x weight 8 = 512
    EXPECT_EQ(c.alerts.size(), 3u);                               // alert, restrict, quarantine: each stage once
    EXPECT_NE(c.alerts.back().message.find("64 distinct addresses"), std::string::npos) << c.alerts.back().message;
}

TEST(Detection, BrowsingManySitesIsNoScan) {
    Collect c;
    Detection d({}, c.sink());
    // 60 distinct HTTPS servers in 5 s: a busy page, below the alert's 64.
    for (uint32_t i = 0; i < 60; ++i) d.on_record(syn(kLaptop, i, 443, T0 + i * 0.08), one_out());
    // and again in the next windows
    for (uint32_t i = 0; i < 60; ++i) d.on_record(syn(kLaptop, 1000 + i, 443, T0 + 6 + i * 0.08), one_out());
    EXPECT_TRUE(c.alerts.empty());
}

TEST(Detection, SynFloodToOneVictimClimbsWithItsRate) {
    Collect c;
    Detection d({}, c.sink());
    // 2000 SYNs a second to one address, from random source ports (a new flow each).
    for (uint32_t i = 0; i < 8000; ++i) {
        FlowRecord r = syn(kBot, 50, 80, T0 + i / 2000.0, "203.0.113.0");
        r.lan_port = static_cast<uint16_t>(1024 + i);
        d.on_record(r, one_out());
    }
    std::vector<std::string> stages;
    for (const auto& a : c.alerts)
        if (a.detector == "syn_flood") stages.push_back(a.stage);
    EXPECT_EQ(stages, (std::vector<std::string>{"alert", "restrict", "quarantine"}));
    const Alert& q = c.alerts.back();
    EXPECT_EQ(q.evidence["victim"], "203.0.113.0/24");
    EXPECT_EQ(q.evidence["packets_back"], 0);
    EXPECT_NEAR(q.time - T0, 3.75, 0.01);  // 1500 a second over 5 s = 7500 packets
}

TEST(Detection, AnsweredOrLocalTrafficIsNoFlood) {
    Collect c;
    Detection d({}, c.sink());
    for (uint32_t i = 0; i < 20000; ++i) {
        const double t = T0 + i / 2000.0;
        // A camera's stream: UDP out, as much back (an answered exchange).
        FlowRecord up = syn(kBot, 60, 5004, t, "198.51.100.0");
        up.proto = 17;
        up.tcp_flags = 0;
        d.on_record(up, {1, 1200, 1, 100, 0, 0});
        // and to the home's video recorder, no answer: local, not a victim
        FlowRecord nvr = syn(kLaptop, 9, 554, t, "192.168.1.0");
        nvr.proto = 17;
        nvr.tcp_flags = 0;
        d.on_record(nvr, {1, 1200, 0, 0, 0, 0});
    }
    for (const auto& a : c.alerts) ADD_FAILURE() << a.message;
}

TEST(Detection, WaterTortureNeedsManyLabelsAndErrors) {
    Collect c;
    Detection d({}, c.sink());
    const uint64_t mac = MacAddress::parse(kBot)->to_u64();
    (void)mac;
    DnsEvent nx;
    nx.rcode = "NXDOMAIN";
    DnsEvent ok;
    ok.rcode = "NOERROR";
    for (int i = 0; i < 200; ++i) {
        // A CDN's names: many labels, all answered.
        ok.query = "edge-" + std::to_string(i) + ".cdn.example.net";
        d.on_dns(kLaptop, ok, T0 + i * 0.01);
    }
    EXPECT_TRUE(c.alerts.empty());
    for (int i = 0; i < 200; ++i) {
        nx.query = "q" + std::to_string(i * 7919) + "x.victim-dns.example";
        d.on_dns(kBot, nx, T0 + i * 0.005);
    }
    ASSERT_FALSE(c.alerts.empty());
    const Alert& q = c.alerts.back();
    EXPECT_EQ(q.detector, "dns_water_torture");
    EXPECT_EQ(q.stage, "quarantine");
    EXPECT_EQ(q.evidence["domain"], "victim-dns.example");
    EXPECT_EQ(q.evidence["distinct_labels"], 120);
    EXPECT_EQ(q.device, kBot);
}

TEST(Detection, VolumeWaitsForItsWarmUpThenJudgesAgainstTheDevicesOwnHours) {
    Collect c;
    DetectConfig cfg;
    Detection d(cfg, c.sink());
    FlowRecord r = syn(kBot, 1, 443, T0);
    r.event = static_cast<uint8_t>(FlowEvent::update);
    auto send = [&](double t, uint64_t bytes) {
        r.last_us = static_cast<uint64_t>(t * 1e6);
        d.on_record(r, {1, bytes, 0, 0, 0, 0});
    };
    // Day one: a burst of 500 MB in the first hour is not judged (no history yet).
    send(T0, 500'000'000);
    for (int h = 1; h < 80; ++h) send(T0 + h * 3600, 2'000'000 + (h % 5) * 100'000);
    EXPECT_TRUE(c.alerts.empty()) << c.alerts.front().message;
    EXPECT_TRUE(d.device_status(kBot)["volume"]["warm"].get<bool>());
    send(T0 + 80 * 3600 + 10, 90'000'000);  // below the 100 MB floor
    EXPECT_TRUE(c.alerts.empty());
    send(T0 + 80 * 3600 + 20, 60'000'000);  // 150 MB in the hour: far above its 2 MB median
    ASSERT_EQ(c.alerts.size(), 1u);
    EXPECT_EQ(c.alerts[0].detector, "volume");
    EXPECT_EQ(c.alerts[0].stage, "alert");
    EXPECT_EQ(c.alerts[0].evidence["bytes_out"], 150'000'000);
}

TEST(Detection, AnEpisodeIsToldOncePerStageAndAgainAfterTheRealertTime) {
    Collect c;
    Detection d({}, c.sink());
    for (uint32_t i = 0; i < 2000; ++i) d.on_record(syn(kBot, i, 23, T0 + i / 160.0), one_out());  // 12.5 s of scan
    size_t scans = 0;
    for (const auto& a : c.alerts) scans += a.detector == "scan";
    EXPECT_EQ(scans, 3u);
    for (uint32_t i = 0; i < 200; ++i) d.on_record(syn(kBot, 5000 + i, 23, T0 + 400 + i / 160.0), one_out());
    scans = 0;
    for (const auto& a : c.alerts) scans += a.detector == "scan";
    EXPECT_EQ(scans, 6u);  // a new episode, 400 s later: told again, from alert up
}

TEST(Detection, MudViolationsAreProfileAlerts) {
    Collect c;
    Detection d({}, c.sink());
    nlohmann::json v = {
        {"remote_ip", "203.0.113.9"}, {"proto", 6}, {"remote_port", 80}, {"first", T0}, {"names", {"evil.example"}}};
    d.on_violation(kBot, v, T0);
    d.on_violation(kBot, v, T0 + 1);
    ASSERT_EQ(c.alerts.size(), 1u);
    EXPECT_EQ(c.alerts[0].detector, "profile");
    EXPECT_NE(c.alerts[0].message.find("203.0.113.9 (evil.example) on TCP port 80"), std::string::npos)
        << c.alerts[0].message;
}

TEST(Detection, WaterTortureSplitsTheDomainOff) {
    EXPECT_EQ(WaterTortureDetector::split("A.b.Example.COM."),
              (std::pair<std::string, std::string>{"example.com", "a.b"}));
    EXPECT_EQ(WaterTortureDetector::split("example.com").second, "");
    EXPECT_EQ(WaterTortureDetector::split("localhost").second, "");
}
