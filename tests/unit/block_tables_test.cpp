#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "dataplane/block_table_publisher.h"
#include "dataplane/block_tables.h"

using namespace spin::dp;

namespace {
const uint8_t kMac1[6] = {0x02, 0, 0, 0, 0, 1};
const uint8_t kMac2[6] = {0x02, 0, 0, 0, 0, 2};

BlockRule quarantine(uint16_t id, const uint8_t* mac) {
    BlockRule r;
    r.id = id;
    r.kind = RuleKind::quarantine;
    std::memcpy(r.mac, mac, 6);
    return r;
}

BlockRule remote(uint16_t id, RuleKind kind, const std::string& prefix, const uint8_t* mac = nullptr) {
    BlockRule r;
    r.id = id;
    r.kind = kind;
    EXPECT_EQ(IpPrefix::parse(prefix, r.remote), "");
    if (mac) std::memcpy(r.mac, mac, 6);
    return r;
}

IpPrefix addr(const std::string& text) {
    IpPrefix p;
    EXPECT_EQ(IpPrefix::parse(text, p), "");
    return p;
}
}  // namespace

TEST(IpPrefix, Parse) {
    IpPrefix p;
    EXPECT_EQ(IpPrefix::parse("192.0.2.77/24", p), "");
    EXPECT_EQ(p.to_string(), "192.0.2.0/24");  // host bits cleared
    EXPECT_EQ(IpPrefix::parse("2001:db8::1", p), "");
    EXPECT_EQ(p.length, 128);
    EXPECT_NE(IpPrefix::parse("10.0.0.0/33", p), "");
    EXPECT_NE(IpPrefix::parse("10.0.0.0/", p), "");
    EXPECT_NE(IpPrefix::parse("10.0.0.0/8x", p), "");
    EXPECT_NE(IpPrefix::parse("example.com", p), "");
}

TEST(Mac, Parse) {
    uint8_t m[6];
    EXPECT_TRUE(parse_mac("aa:bb:cc:dd:ee:ff", m));
    EXPECT_EQ(m[5], 0xff);
    EXPECT_TRUE(parse_mac("AA-BB-CC-DD-EE-01", m));
    EXPECT_FALSE(parse_mac("aa:bb:cc:dd:ee", m));
    EXPECT_FALSE(parse_mac("aa:bb:cc:dd:ee:fg", m));
    EXPECT_FALSE(parse_mac("aa:bb-cc:dd:ee:ff", m));
}

TEST(BlockTables, MatchesEachKind) {
    FlowKey flow{};
    flow.proto = 6;
    flow.ip_version = 4;
    BlockRule fr;
    fr.id = 4;
    fr.kind = RuleKind::flow;
    fr.flow = flow;
    BlockTables t(7, {quarantine(1, kMac1), remote(2, RuleKind::device_remote, "198.51.100.0/24", kMac2),
                      remote(3, RuleKind::global_remote, "2001:db8:bad::/48"),
                      remote(5, RuleKind::global_remote, "203.0.113.7"), fr});
    EXPECT_EQ(t.version(), 7u);
    FlowKey other{};
    other.proto = 17;
    other.ip_version = 4;
    EXPECT_EQ(t.match_mac(kMac1), 1);
    EXPECT_EQ(t.match_mac(kMac2), 0);
    EXPECT_EQ(t.match_flow(kMac1, other, addr("1.1.1.1").addr, 4), 1);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("198.51.100.200").addr, 4), 2);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("198.51.101.1").addr, 4), 0);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("2001:db8:bad:1::9").addr, 6), 3);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("2001:db8:bae::9").addr, 6), 0);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("203.0.113.7").addr, 4), 5);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("203.0.113.8").addr, 4), 0);
    // A flow rule matches the 5-tuple for any device.
    FlowKey same = flow;
    same.mac[0] = 0x42;
    EXPECT_EQ(t.match_flow(kMac2, same, addr("9.9.9.9").addr, 4), 4);
    // IPv4 rules never match IPv6 addresses with the same leading bytes.
    EXPECT_EQ(t.match_flow(kMac2, other, addr("cb00:7107::").addr, 6), 0);
}

TEST(BlockTables, EmptyMatchesNothing) {
    BlockTables t(1, {});
    FlowKey k{};
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.match_flow(kMac1, k, k.addr_b, 4), 0);
}

// Readers take snapshots and check them while the control thread publishes
// new versions as fast as it can.  Snapshot v holds v rules named after v; a
// reader that saw a snapshot freed under it would read garbage.
TEST(BlockTablePublisher, UpdatesWhileWorkersRead) {
    constexpr uint32_t kReaders = 3;
    BlockTablePublisher pub(kReaders);
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> reads{0}, bad{0};
    std::vector<std::thread> readers;
    for (uint32_t r = 0; r < kReaders; ++r) {
        readers.emplace_back([&, r] {
            pub.register_reader(r);
            pub.online(r);
            uint32_t last = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                const BlockTables* t = pub.current();
                const uint32_t v = t->version();
                if (v < last) ++bad;  // versions never go back
                last = v;
                const auto& rules = t->rules();
                if (rules.size() != v - 1) ++bad;
                for (const auto& rule : rules)
                    if (rule.name != std::to_string(v) || t->match_mac(rule.mac) != rule.id) ++bad;
                ++reads;
                pub.quiescent(r);
            }
            pub.offline(r);
        });
    }
    for (uint32_t v = 2; v <= 400; ++v) {
        std::vector<BlockRule> rules;
        for (uint32_t i = 1; i < v; ++i) {
            uint8_t mac[6] = {0x02, 0, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
            BlockRule r = quarantine(static_cast<uint16_t>(i), mac);
            r.name = std::to_string(v);
            rules.push_back(r);
        }
        ASSERT_EQ(pub.publish(std::move(rules)), v);
    }
    stop = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GT(reads.load(), 0u);
    EXPECT_EQ(pub.version(), 400u);
}

TEST(BlockTables, AllowPolicyDropsAllButAllowedRemotesAndNetworkServices) {
    BlockRule policy;
    policy.id = 5;
    policy.kind = RuleKind::allow_policy;
    std::memcpy(policy.mac, kMac1, 6);
    BlockTables t(2, {policy, remote(5, RuleKind::allow_remote, "192.0.2.0/24", kMac1),
                      remote(5, RuleKind::allow_remote, "2001:db8::1", kMac1), remote(9, RuleKind::global_remote, "192.0.2.66")});
    FlowKey web{};
    web.proto = 6;
    web.port_a = 40000;
    web.port_b = 443;
    auto match = [&](const uint8_t* mac, const FlowKey& k, const std::string& where) {
        const IpPrefix p = addr(where);
        return t.match_flow(mac, k, p.addr, p.ip_version);
    };
    EXPECT_EQ(match(kMac1, web, "192.0.2.10"), 0);      // allowed prefix
    EXPECT_EQ(match(kMac1, web, "2001:db8::1"), 0);     // allowed address
    EXPECT_EQ(match(kMac1, web, "198.51.100.1"), 5);    // anything else
    EXPECT_EQ(match(kMac1, web, "2001:db8::2"), 5);
    EXPECT_EQ(match(kMac1, web, "192.0.2.66"), 9);      // an allow never overrides a block
    EXPECT_EQ(match(kMac2, web, "198.51.100.1"), 0);    // other devices have no policy
    FlowKey dns = web;
    dns.proto = 17;
    dns.port_b = 53;
    EXPECT_EQ(match(kMac1, dns, "198.51.100.53"), 0);   // DNS anywhere: names must resolve
    FlowKey dhcp = dns;
    dhcp.port_a = 68;
    dhcp.port_b = 67;
    EXPECT_EQ(match(kMac1, dhcp, "255.255.255.255"), 0);
    FlowKey icmp6{};
    icmp6.proto = 58;
    EXPECT_EQ(match(kMac1, icmp6, "2001:db8::99"), 0);  // neighbour discovery
    EXPECT_EQ(match(kMac1, web, "224.0.0.251"), 0);     // multicast, link-local
    EXPECT_EQ(match(kMac1, web, "fe80::1"), 0);
    EXPECT_EQ(match(kMac1, web, "169.254.1.1"), 0);
    EXPECT_TRUE(t.has_allow_policies());
}
