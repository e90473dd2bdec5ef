// The slow path from worker to events: which frames are copied, what a full
// queue costs (a counted copy, never the original), and which events the
// control side makes of the copies.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <rte_mbuf.h>

#include "agent/slowpath/event_builder.h"
#include "agent/slowpath/slow_path_reader.h"
#include "dataplane/slow_path.h"
#include "dataplane/worker.h"
#include "eal_environment.h"
#include "packet_builder.h"

using namespace spin;
using namespace spin::gen;
using dp::SlowKind;

namespace {

const Mac kDev{{0x02, 0, 0, 0, 0, 0x11}}, kGw{{0x02, 0, 0, 0, 0, 0xfe}}, kBcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
const Ip kDevIp = Ip::v4("10.0.0.11"), kGwIp = Ip::v4("10.0.0.1"), kCloud = Ip::v4("192.0.2.10");
int g_id = 0;

Bytes udp_frame(const Mac& src, const Mac& dst, const Ip& sip, const Ip& dip, uint16_t sport, uint16_t dport,
                const Bytes& payload) {
    return ethernet({src, dst, {}}, sip.version == 4 ? 0x0800 : 0x86dd,
                    ip_packet(sip, dip, 17, udp(sip, dip, sport, dport, payload)));
}

SlowKind kind_of(const Bytes& f) {
    dp::ParsedPacket p{};
    dp::parse_packet(f.data(), static_cast<uint32_t>(f.size()), p);
    return dp::classify_slow(p);
}

TEST(SlowClassify, EachProtocolByPortOrEthertype) {
    EXPECT_EQ(kind_of(udp_frame(kDev, kGw, kDevIp, kGwIp, 40000, 53, dns_query(1, "a.example", 1))), SlowKind::dns);
    EXPECT_EQ(kind_of(udp_frame(kDev, kGw, kDevIp, kGwIp, 5353, 5353, {})), SlowKind::mdns);
    EXPECT_EQ(kind_of(udp_frame(kDev, kBcast, Ip::v4("0.0.0.0"), Ip::v4("255.255.255.255"), 68, 67, {})),
              SlowKind::dhcp);
    EXPECT_EQ(kind_of(udp_frame(kDev, kGw, Ip::v6("fe80::1"), Ip::v6("ff02::1:2"), 546, 547, {})), SlowKind::dhcpv6);
    EXPECT_EQ(kind_of(udp_frame(kDev, kGw, kDevIp, Ip::v4("239.255.255.250"), 40000, 1900, {})), SlowKind::ssdp);
    EXPECT_EQ(kind_of(ethernet({kDev, kGw, {}}, 0x0806, arp(false, kDev, kDevIp, {}, kGwIp))), SlowKind::arp);
    EXPECT_EQ(kind_of(ethernet({kDev, kGw, {}}, 0x88cc, Bytes(20, 0))), SlowKind::lldp);
    EXPECT_EQ(kind_of(ethernet({kDev, kGw, {}}, 0x0800,
                               ip_packet(kDevIp, kCloud, 6, tcp(kDevIp, kCloud, 1234, 53, 1, 0, 0x02, {})))),
              SlowKind::dns);
    // Neighbour solicitation (135) is ND; an echo request is not.
    Bytes ns(24, 0);
    ns[0] = 135;
    EXPECT_EQ(
        kind_of(ethernet({kDev, kGw, {}}, 0x86dd, ip_packet(Ip::v6("fe80::2"), Ip::v6("ff02::1:ff00:1"), 58, ns, 255))),
        SlowKind::nd);
    EXPECT_EQ(kind_of(ethernet({kDev, kGw, {}}, 0x0800, icmp_echo(false, kDevIp, kCloud, false, 1, 1))),
              SlowKind::none);
    EXPECT_EQ(kind_of(ethernet({kDev, kGw, {}}, 0x0800,
                               ip_packet(kDevIp, kCloud, 6, tcp(kDevIp, kCloud, 1234, 443, 1, 0, 0x02, {})))),
              SlowKind::none);
}

class SlowPath : public ::testing::Test {
protected:
    void make(uint32_t ring = 64) {
        pool_ = std::make_unique<dp::SlowPool>("test_slow_pool_" + std::to_string(g_id++), 511, 0);
        queue_ = std::make_unique<dp::SlowQueue>("test_slow_q_" + std::to_string(g_id++), ring, *pool_, 0);
        records_ = std::make_unique<dp::RecordRing>("test_slow_rec_" + std::to_string(g_id++), 1024, 0);
        dp::WorkerConfig cfg;
        cfg.flow_capacity = 1024;
        worker_ = std::make_unique<dp::Worker>(cfg, tables_, records_.get(), queue_.get());
    }
    // Sends one burst; returns how many frames were forwarded.
    uint16_t send(dp::Side side, const std::vector<Bytes>& frames, uint64_t now = 1'000'000) {
        std::vector<rte_mbuf*> in, out(frames.size());
        for (const auto& f : frames) {
            rte_mbuf* m = rte_pktmbuf_alloc(test::mbuf_pool());
            std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(f.size())), f.data(), f.size());
            in.push_back(m);
        }
        const uint16_t n = worker_->process_burst(side, in.data(), static_cast<uint16_t>(in.size()), now, out.data());
        rte_pktmbuf_free_bulk(out.data(), n);
        return n;
    }
    std::vector<nlohmann::json> events() {
        std::vector<nlohmann::json> out;
        slowpath::SlowPathReader reader({queue_.get()}, builder_, [&](proto::Event e) { out.push_back(e); });
        reader.poll();
        return out;
    }

    dp::SharedTables tables_{4};
    std::unique_ptr<dp::SlowPool> pool_;
    std::unique_ptr<dp::SlowQueue> queue_;
    std::unique_ptr<dp::RecordRing> records_;
    std::unique_ptr<dp::Worker> worker_;
    slowpath::EventBuilder builder_;
};

TEST_F(SlowPath, DnsAnswerFromTheWanNamesTheDeviceThatAsked) {
    make();
    const auto q = udp_frame(kDev, kGw, kDevIp, kGwIp, 40000, 53, dns_query(7, "Cam.Example.com", 1));
    const auto a = udp_frame(kGw, kDev, kGwIp, kDevIp, 53, 40000, dns_answer(7, "cam.example.com", 1, kCloud, 300));
    EXPECT_EQ(send(dp::kLan, {q}), 1);
    EXPECT_EQ(send(dp::kWan, {a}, 2'000'000), 1);  // the original is forwarded, the copy is extra
    std::vector<std::pair<std::array<uint8_t, 6>, size_t>> hooked;
    builder_.on_dns([&](const std::array<uint8_t, 6>& mac, const std::vector<slowpath::DnsBinding>& b, uint64_t) {
        hooked.push_back({mac, b.size()});
    });
    const auto ev = events();
    ASSERT_EQ(ev.size(), 1u);  // the query alone teaches nothing
    EXPECT_EQ(ev[0]["type"], "dns");
    EXPECT_EQ(ev[0]["mac"], "02:00:00:00:00:11");
    EXPECT_EQ(ev[0]["side"], "wan");
    EXPECT_EQ(ev[0]["query"], "cam.example.com");
    EXPECT_EQ(ev[0]["rcode"], "NOERROR");
    EXPECT_DOUBLE_EQ(ev[0]["time"].get<double>(), 2.0);
    ASSERT_EQ(ev[0]["answers"].size(), 1u);
    EXPECT_EQ(ev[0]["answers"][0],
              (nlohmann::json{{"name", "cam.example.com"}, {"type", "A"}, {"address", "192.0.2.10"}, {"ttl", 300}}));
    EXPECT_EQ(ev[0]["bindings"][0]["address"], "192.0.2.10");
    EXPECT_DOUBLE_EQ(ev[0]["bindings"][0]["expires"].get<double>(), 302.0);  // answered at 2 s, TTL 300
    ASSERT_EQ(hooked.size(), 1u);
    EXPECT_EQ(hooked[0].first[5], 0x11);
    EXPECT_EQ(worker_->stats().slow_copies.get(), 2u);
    EXPECT_EQ(builder_.counters(SlowKind::dns).quiet, 1u);
}

// What a compromised device (or a host on the internet) would try to plant a
// name binding with, and the one answer that does count.
TEST_F(SlowPath, OnlyAnswersToTheDevicesOwnQueriesFromTheNetworkBind) {
    make();
    uint64_t clock = 0;
    builder_.set_clock([&] { return clock; });
    size_t bound = 0;
    builder_.on_dns([&](const std::array<uint8_t, 6>&, const std::vector<slowpath::DnsBinding>& b, uint64_t) {
        bound += b.size();
    });
    const Ip c2 = Ip::v4("203.0.113.66");
    auto answer = [&](uint16_t id, const char* name, uint16_t port = 40000, const Ip& server = kGwIp) {
        return udp_frame(kGw, kDev, server, kDevIp, 53, port, dns_answer(id, name, 1, c2, 300));
    };
    // A forged answer the device sends itself from the LAN side.
    send(dp::kLan, {udp_frame(kDev, kGw, kDevIp, kGwIp, 40000, 53, dns_query(9, "api.vendor.example", 1))});
    send(dp::kLan, {udp_frame(kGw, kDev, kGwIp, kDevIp, 53, 40000, dns_answer(9, "api.vendor.example", 1, c2, 300))},
         1'100'000);
    // Answers from the WAN that match no query: another id, name, port or server.
    send(dp::kWan,
         {answer(10, "api.vendor.example"), answer(9, "other.example"), answer(9, "api.vendor.example", 40001),
          answer(9, "api.vendor.example", 40000, Ip::v4("198.51.100.53"))},
         1'200'000);
    auto ev = events();
    EXPECT_TRUE(ev.empty()) << ev.size() << " events";
    EXPECT_EQ(bound, 0u);
    EXPECT_EQ(builder_.counters(SlowKind::dns).untrusted, 1u);
    // The real answer, with the question in another case (0x20 randomisation).
    send(dp::kWan, {answer(9, "API.vendor.example")}, 1'300'000);
    ev = events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(bound, 1u);
    // Answered once: a second copy of the same answer teaches nothing.
    send(dp::kWan, {answer(9, "api.vendor.example")}, 1'400'000);
    EXPECT_TRUE(events().empty());
    // Unsolicited answers are dropped after the window (of arrival), and counted.
    clock = 11'000'000;
    send(dp::kLan, {udp_frame(kDev, kGw, kDevIp, kGwIp, 40002, 53, dns_query(11, "late.example", 1))}, 1'500'000);
    events();
    EXPECT_EQ(builder_.dns_matching().unsolicited, 5u);
    EXPECT_EQ(builder_.dns_matching().matched, 1u);
}

// A replay reads the LAN and WAN captures burst by burst: an answer may reach
// the slow path before its query.  Packet time, not arrival, pairs them.
TEST_F(SlowPath, AnswerProcessedBeforeItsQueryStillBinds) {
    make();
    size_t bound = 0;
    builder_.on_dns([&](const std::array<uint8_t, 6>&, const std::vector<slowpath::DnsBinding>& b, uint64_t) {
        bound += b.size();
    });
    const auto a = udp_frame(kGw, kDev, kGwIp, kDevIp, 53, 40000, dns_answer(5, "cam.example.com", 1, kCloud, 300));
    const auto q = udp_frame(kDev, kGw, kDevIp, kGwIp, 40000, 53, dns_query(5, "cam.example.com", 1));
    send(dp::kWan, {a}, 2'000'000);
    EXPECT_TRUE(events().empty());
    send(dp::kLan, {q}, 1'990'000);
    EXPECT_EQ(events().size(), 1u);
    EXPECT_EQ(bound, 1u);
    // A query made after the answer explains nothing.
    send(dp::kWan, {a}, 3'000'000);
    send(dp::kLan, {q}, 3'010'000);
    EXPECT_TRUE(events().empty());
}

TEST_F(SlowPath, DhcpFromTheWrongSenderIsAnEventNotAnIdentity) {
    make();
    std::vector<slowpath::ServiceNews> news;
    builder_.on_services([&](const slowpath::ServiceNews& n) { news.push_back(n); });
    const Mac victim{{0x02, 0, 0, 0, 0, 0x22}};
    DhcpOptions req{3, "laptop", "", {1, 3, 6}, "", {}, {}};
    // The device asks in another device's name.
    send(dp::kLan,
         {udp_frame(kDev, kBcast, Ip::v4("0.0.0.0"), Ip::v4("255.255.255.255"), 68, 67, dhcp(victim, 1, false, req))});
    // The device plays DHCP server to itself from the LAN side.
    DhcpOptions ack{5, "", "", {}, "", kDevIp, kDevIp, {Ip::v4("203.0.113.53")}};
    send(dp::kLan, {udp_frame(kDev, kDev, kDevIp, kDevIp, 67, 68, dhcp(kDev, 2, true, ack))});
    auto ev = events();
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0]["type"], "dhcp_mismatch");
    EXPECT_EQ(ev[0]["mac"], "02:00:00:00:00:11");
    EXPECT_EQ(ev[0]["chaddr"], "02:00:00:00:00:22");
    EXPECT_EQ(ev[0]["reason"], "client hardware address is not the sender");
    EXPECT_EQ(ev[1]["type"], "dhcp_mismatch");
    EXPECT_EQ(ev[1]["reason"], "server message from the LAN side");
    EXPECT_TRUE(news.empty());
    EXPECT_EQ(builder_.counters(SlowKind::dhcp).untrusted, 2u);
    // The real server's ack from the WAN side teaches the home's services.
    DhcpOptions real{5, "", "", {}, "", kDevIp, kGwIp, {Ip::v4("192.168.1.53"), Ip::v4("192.168.1.54")}};
    send(dp::kWan, {udp_frame(kGw, kDev, kGwIp, kDevIp, 67, 68, dhcp(kDev, 3, true, real))});
    ev = events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0]["type"], "dhcp");
    ASSERT_EQ(news.size(), 1u);
    ASSERT_EQ(news[0].resolvers.size(), 2u);
    EXPECT_EQ(news[0].resolvers[1].address_text(), "192.168.1.54");
    EXPECT_EQ(news[0].dhcp_servers[0].address_text(), "10.0.0.1");
}

TEST_F(SlowPath, DhcpRequestAndRepeatedArpBecomeEvents) {
    make();
    DhcpOptions o{3, "thermostat", "NestLabs", {1, 3, 6, 15}, "https://mud.example.com/t.json", {}, {}};
    const auto dhcp_req =
        udp_frame(kDev, kBcast, Ip::v4("0.0.0.0"), Ip::v4("255.255.255.255"), 68, 67, dhcp(kDev, 9, false, o));
    const auto who = ethernet({kDev, kBcast, {}}, 0x0806, arp(false, kDev, kDevIp, {}, kGwIp));
    send(dp::kLan, {dhcp_req, who, who, who});
    const auto ev = events();
    ASSERT_EQ(ev.size(), 2u);  // the same ARP binding is announced once
    EXPECT_EQ(ev[0]["type"], "dhcp");
    EXPECT_EQ(ev[0]["message"], "request");
    EXPECT_EQ(ev[0]["hostname"], "thermostat");
    EXPECT_EQ(ev[0]["vendor_class"], "NestLabs");
    EXPECT_EQ(ev[0]["param_list"], "1,3,6,15");
    EXPECT_EQ(ev[0]["mud_url"], "https://mud.example.com/t.json");
    EXPECT_EQ(ev[1]["type"], "neighbour");
    EXPECT_EQ(ev[1]["ip"], "10.0.0.11");
    EXPECT_EQ(ev[1]["via"], "arp");
    EXPECT_EQ(builder_.counters(SlowKind::arp).frames, 3u);
    EXPECT_EQ(builder_.counters(SlowKind::arp).quiet, 2u);
}

TEST_F(SlowPath, HostilePayloadIsCountedAndTheFrameStillForwarded) {
    make();
    Bytes junk = dns_answer(1, "x.example", 1, kCloud, 1);
    junk[7] = 200;  // 200 answers announced, one present
    EXPECT_EQ(send(dp::kWan, {udp_frame(kGw, kDev, kGwIp, kDevIp, 53, 40000, junk)}), 1);
    EXPECT_TRUE(events().empty());
    EXPECT_EQ(builder_.counters(SlowKind::dns).errors, 1u);
}

TEST_F(SlowPath, FullQueueCostsCopiesNeverForwarding) {
    make(64);  // ring of 64 copies, nobody reading
    std::vector<Bytes> burst(32, ethernet({kDev, kBcast, {}}, 0x0806, arp(false, kDev, kDevIp, {}, kGwIp)));
    uint64_t forwarded = 0;
    for (int i = 0; i < 4; ++i) forwarded += send(dp::kLan, burst);
    EXPECT_EQ(forwarded, 128u);
    EXPECT_EQ(worker_->stats().slow_copies.get(), 64u);
    EXPECT_EQ(worker_->stats().slow_overflow.get(), 64u);
    EXPECT_EQ(events().size(), 1u);
    EXPECT_EQ(builder_.counters(SlowKind::arp).frames, 64u);
}

}  // namespace

namespace {

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// LLDPDU: chassis id (MAC), port id, TTL, system name, the MUD URL TLV, end.
Bytes lldpdu(const std::string& name, const std::string& url) {
    Bytes b{0x02, 7, 4, 0x02, 0, 0, 0, 0, 0x11, 0x04, 2, 7, '1', 0x06, 2, 0, 120};
    b.push_back(static_cast<uint8_t>(5 << 1));
    b.push_back(static_cast<uint8_t>(name.size()));
    b.insert(b.end(), name.begin(), name.end());
    const size_t len = 4 + url.size();
    b.push_back(static_cast<uint8_t>(127 << 1 | len >> 8));
    b.push_back(static_cast<uint8_t>(len));
    b.insert(b.end(), {0x00, 0x00, 0x5e, 0x01});
    b.insert(b.end(), url.begin(), url.end());
    b.insert(b.end(), {0, 0});
    return b;
}

TEST_F(SlowPath, SsdpLldpAndMdnsAnnouncementsNameTheDevice) {
    make();
    const Mac lldp_multicast{{0x01, 0x80, 0xc2, 0, 0, 0x0e}}, mdns_multicast{{0x01, 0, 0x5e, 0, 0, 0xfb}};
    const auto notify =
        udp_frame(kDev, kBcast, kDevIp, Ip::v4("239.255.255.250"), 1900, 1900,
                  text("NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
                       "SERVER: Linux UPnP/1.0 Cam/2\r\nUSN: uuid:cam-1\r\nLOCATION: http://10.0.0.11/d.xml\r\n\r\n"));
    const auto lldp = ethernet({kDev, lldp_multicast, {}}, 0x88cc, lldpdu("cam-1", "https://mud.example.com/cam.json"));
    // An mDNS answer for the device's own host name.
    Bytes mdns{0,   0,   0x84, 0,   0, 0, 0, 1,    0, 0, 0, 0, 5,   'c', 'a', 'm', '-', '1', 5, 'l',
               'o', 'c', 'a',  'l', 0, 0, 1, 0x80, 1, 0, 0, 0, 120, 0,   4,   10,  0,   0,   11};
    const auto announce = udp_frame(kDev, mdns_multicast, kDevIp, Ip::v4("224.0.0.251"), 5353, 5353, mdns);
    send(dp::kLan, {notify, lldp, announce});
    const auto ev = events();
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0]["type"], "ssdp");
    EXPECT_EQ(ev[0]["mac"], "02:00:00:00:00:11");
    EXPECT_EQ(ev[0]["method"], "notify");
    EXPECT_EQ(ev[0]["server"], "Linux UPnP/1.0 Cam/2");
    EXPECT_EQ(ev[0]["device_type"], "upnp:rootdevice");
    EXPECT_EQ(ev[0]["location"], "http://10.0.0.11/d.xml");
    EXPECT_EQ(ev[1]["type"], "lldp");
    EXPECT_EQ(ev[1]["system_name"], "cam-1");
    EXPECT_EQ(ev[1]["mud_url"], "https://mud.example.com/cam.json");
    EXPECT_EQ(ev[2]["type"], "mdns");
    EXPECT_EQ(ev[2]["hostnames"], nlohmann::json::array({"cam-1.local"}));
    EXPECT_EQ(ev[2]["ip"], "10.0.0.11");
}

}  // namespace

// A DNS answer to a device whose enforced MUD policy names names waits in the
// worker until the control side, having put what it taught in force, releases
// it; a stalled control side delays it kMaxHoldUs at most.
TEST_F(SlowPath, AnswersToADeviceWithAnEnforcedPolicyByNameAreHeldUntilReleased) {
    make();
    dp::PolicyRule cloud;
    cloud.any_remote = false;
    dp::NetworkServices home;  // kCloud is the device's resolver: its DNS always passes
    home.resolvers = {*IpPrefix::parse("192.0.2.10")};
    tables_.publish_policies(
        {{.mac = MacAddress(kDev.b), .rule = 5, .enforce = true, .hold_answers = true, .rules = {cloud}}}, home);
    const Bytes answer = ethernet(
        {kGw, kDev, {}}, 0x0800,
        ip_packet(kCloud, kDevIp, 17, udp(kCloud, kDevIp, 53, 40000, dns_answer(7, "cloud.example", 1, kCloud, 300))));
    const Bytes query =
        ethernet({kDev, kGw, {}}, 0x0800,
                 ip_packet(kDevIp, kCloud, 17, udp(kDevIp, kCloud, 40000, 53, dns_query(7, "cloud.example", 1))));
    EXPECT_EQ(send(dp::kLan, {query}), 1u);  // queries are never held
    EXPECT_EQ(send(dp::kWan, {answer}), 0u);
    EXPECT_EQ(worker_->held(), 1u);
    EXPECT_EQ(worker_->stats().answers_held.get(), 1u);
    rte_mbuf* out[4];
    const uint64_t now = rte_rdtsc();
    EXPECT_EQ(worker_->take_released(out, 4, now), 0u);
    // The control side handles the copy, and releases it once nothing waits for publishing.
    slowpath::SlowPathReader reader({queue_.get()}, builder_, [](proto::Event) {});
    EXPECT_EQ(reader.poll(), 2u);
    EXPECT_TRUE(reader.holding());
    reader.release_held();
    ASSERT_EQ(worker_->take_released(out, 4, now), 1u);
    EXPECT_EQ(
        Bytes(rte_pktmbuf_mtod(out[0], uint8_t*), rte_pktmbuf_mtod(out[0], uint8_t*) + rte_pktmbuf_pkt_len(out[0])),
        answer);
    rte_pktmbuf_free(out[0]);
    // Unreleased, it goes after kMaxHoldUs anyway (fail open).
    EXPECT_EQ(send(dp::kWan, {answer}), 0u);
    EXPECT_EQ(worker_->take_released(out, 4, rte_rdtsc()), 0u);
    const uint64_t later = rte_rdtsc() + rte_get_tsc_hz() * dp::Worker::kMaxHoldUs / 1'000'000 + 1;
    ASSERT_EQ(worker_->take_released(out, 4, later), 1u);
    rte_pktmbuf_free(out[0]);
    EXPECT_EQ(worker_->stats().answers_timed_out.get(), 1u);
    // In monitor mode nothing is dropped, so nothing is held.
    tables_.publish_policies({{.mac = MacAddress(kDev.b), .rule = 5, .enforce = false, .rules = {cloud}}}, home);
    EXPECT_EQ(send(dp::kWan, {answer}), 1u);
    EXPECT_EQ(worker_->held(), 0u);
}

TEST_F(SlowPath, HoldsAreBoundedAndTheRestForwardedAtOnce) {
    make(1024);
    dp::NetworkServices home;
    home.resolvers = {*IpPrefix::parse("192.0.2.10")};
    tables_.publish_policies(
        {{.mac = MacAddress(kDev.b), .rule = 5, .enforce = true, .hold_answers = true, .rules = {}}}, home);
    const Bytes answer = ethernet(
        {kGw, kDev, {}}, 0x0800,
        ip_packet(kCloud, kDevIp, 17, udp(kCloud, kDevIp, 53, 40000, dns_answer(7, "cloud.example", 1, kCloud, 300))));
    unsigned forwarded = 0;
    for (unsigned i = 0; i < dp::Worker::kHoldSlots + 10; ++i) forwarded += send(dp::kWan, {answer});
    EXPECT_EQ(worker_->held(), dp::Worker::kHoldSlots);
    EXPECT_EQ(forwarded, 10u);
    EXPECT_EQ(worker_->stats().answers_unheld.get(), 10u);
}
