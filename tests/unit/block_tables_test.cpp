#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "dataplane/block_tables.h"
#include "dataplane/shared_tables.h"

using namespace spin::dp;
using spin::IpPrefix;
using spin::MacAddress;

namespace {
const uint8_t kMac1[6] = {0x02, 0, 0, 0, 0, 1};
const uint8_t kMac2[6] = {0x02, 0, 0, 0, 0, 2};

TableEntry quarantine(uint16_t id, const uint8_t* mac) {
    TableEntry r;
    r.rule = id;
    r.kind = EntryKind::quarantine;
    r.mac = MacAddress(mac);
    return r;
}

TableEntry remote(uint16_t id, EntryKind kind, const std::string& prefix, const uint8_t* mac = nullptr) {
    TableEntry r;
    r.rule = id;
    r.kind = kind;
    const auto p = IpPrefix::parse(prefix);
    EXPECT_TRUE(p) << prefix;
    if (p) r.prefix = *p;
    if (mac) r.mac = MacAddress(mac);
    return r;
}

IpPrefix addr(const std::string& text) {
    const auto p = IpPrefix::parse(text);
    EXPECT_TRUE(p) << text;
    return p.value_or(IpPrefix{});
}
}  // namespace

TEST(BlockTables, MatchesEachKind) {
    FlowKey flow{};
    flow.proto = 6;
    flow.ip_version = 4;
    TableEntry fr;
    fr.rule = 4;
    fr.kind = EntryKind::flow;
    fr.flow = flow;
    BlockTables t(7, {quarantine(1, kMac1), remote(2, EntryKind::device_remote, "198.51.100.0/24", kMac2),
                      remote(3, EntryKind::global_remote, "2001:db8:bad::/48"),
                      remote(5, EntryKind::global_remote, "203.0.113.7"), fr});
    EXPECT_EQ(t.version(), 7u);
    FlowKey other{};
    other.proto = 17;
    other.ip_version = 4;
    EXPECT_EQ(t.match_mac(kMac1), 1);
    EXPECT_EQ(t.match_mac(kMac2), 0);
    EXPECT_EQ(t.match_flow(kMac1, other, addr("1.1.1.1").bytes(), 4), 1);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("198.51.100.200").bytes(), 4), 2);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("198.51.101.1").bytes(), 4), 0);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("2001:db8:bad:1::9").bytes(), 6), 3);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("2001:db8:bae::9").bytes(), 6), 0);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("203.0.113.7").bytes(), 4), 5);
    EXPECT_EQ(t.match_flow(kMac2, other, addr("203.0.113.8").bytes(), 4), 0);
    // A flow rule matches the 5-tuple for any device.
    FlowKey same = flow;
    same.mac[0] = 0x42;
    EXPECT_EQ(t.match_flow(kMac2, same, addr("9.9.9.9").bytes(), 4), 4);
    // IPv4 rules never match IPv6 addresses with the same leading bytes.
    EXPECT_EQ(t.match_flow(kMac2, other, addr("cb00:7107::").bytes(), 6), 0);
}

TEST(BlockTables, EmptyMatchesNothing) {
    BlockTables t(1, {});
    FlowKey k{};
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.match_flow(kMac1, k, k.addr_b, 4), 0);
}

// Readers take snapshots and check them while the control thread publishes
// new versions as fast as it can.  Snapshot v holds v - 1 entries whose MACs
// carry v; a reader that saw a snapshot freed under it would read garbage.
TEST(Snapshot, UpdatesWhileWorkersRead) {
    constexpr uint32_t kReaders = 3;
    SharedTables tables(kReaders);
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> reads{0}, bad{0};
    std::atomic<uint32_t> online{0};
    std::vector<std::thread> readers;
    for (uint32_t r = 0; r < kReaders; ++r) {
        readers.emplace_back([&, r] {
            tables.rcu.register_reader(r);
            tables.rcu.online(r);
            ++online;
            uint32_t last = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                const BlockTables* t = tables.blocks.current();
                const uint32_t v = t->version();
                if (v < last) ++bad;  // versions never go back
                last = v;
                const auto& entries = t->entries();
                if (entries.size() != v - 1) ++bad;
                for (const auto& e : entries)
                    if ((e.mac.bytes()[2] << 8 | e.mac.bytes()[3]) != static_cast<int>(v) ||
                        t->match_mac(e.mac.data()) != e.rule)
                        ++bad;
                ++reads;
                tables.rcu.quiescent(r);
            }
            tables.rcu.offline(r);
        });
    }
    // A reader not yet online is not waited for: publishing would race ahead of it.
    while (online.load() < kReaders) std::this_thread::yield();
    for (uint32_t v = 2; v <= 400; ++v) {
        std::vector<TableEntry> entries;
        for (uint32_t i = 1; i < v; ++i) {
            uint8_t mac[6] = {0x02,
                              0,
                              static_cast<uint8_t>(v >> 8),
                              static_cast<uint8_t>(v),
                              static_cast<uint8_t>(i >> 8),
                              static_cast<uint8_t>(i)};
            entries.push_back(quarantine(static_cast<uint16_t>(i), mac));
        }
        ASSERT_EQ(tables.publish_blocks(std::move(entries)), v);
    }
    stop = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GT(reads.load(), 0u);
    EXPECT_EQ(tables.blocks.current()->version(), 400u);
}

TEST(BlockTables, AllowPolicyDropsAllButAllowedRemotesAndNetworkServices) {
    TableEntry policy;
    policy.rule = 5;
    policy.kind = EntryKind::allow_policy;
    policy.mac = MacAddress(kMac1);
    BlockTables t(2, {policy, remote(5, EntryKind::allow_remote, "192.0.2.0/24", kMac1),
                      remote(5, EntryKind::allow_remote, "2001:db8::1", kMac1),
                      remote(9, EntryKind::global_remote, "192.0.2.66")});
    FlowKey web{};
    web.proto = 6;
    web.port_a = 40000;
    web.port_b = 443;
    auto match = [&](const uint8_t* mac, const FlowKey& k, const std::string& where) {
        const IpPrefix p = addr(where);
        return t.match_flow(mac, k, p.bytes(), p.version());
    };
    EXPECT_EQ(match(kMac1, web, "192.0.2.10"), 0);    // allowed prefix
    EXPECT_EQ(match(kMac1, web, "2001:db8::1"), 0);   // allowed address
    EXPECT_EQ(match(kMac1, web, "198.51.100.1"), 5);  // anything else
    EXPECT_EQ(match(kMac1, web, "2001:db8::2"), 5);
    EXPECT_EQ(match(kMac1, web, "192.0.2.66"), 9);    // an allow never overrides a block
    EXPECT_EQ(match(kMac2, web, "198.51.100.1"), 0);  // other devices have no policy
    FlowKey dns = web;
    dns.proto = 17;
    dns.port_b = 53;
    EXPECT_EQ(match(kMac1, dns, "198.51.100.53"), 0);  // DNS anywhere: names must resolve
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
