#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>

#include "dataplane/block_tables.h"
#include "dataplane/shared_tables.h"
#include "flow_probe.h"

using namespace spin::dp;
using spin::IpPrefix;
using spin::MacAddress;

namespace {
const uint8_t kMac1[6] = {0x02, 0, 0, 0, 0, 1};
const uint8_t kMac2[6] = {0x02, 0, 0, 0, 0, 2};

TableEntry quarantine(uint16_t id, const uint8_t* mac, EntryKind kind = EntryKind::quarantine) {
    TableEntry r;
    r.rule = id;
    r.kind = kind;
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

uint16_t decide(const BlockTables& t, const uint8_t* mac, uint8_t proto, const std::string& remote,
                uint16_t lan_port = 40000, uint16_t remote_port = 443) {
    const Probe pr = probe(mac, proto, remote, lan_port, remote_port);
    return t.match_flow(mac, pr.key, pr.lan_is_a);
}

uint16_t packet(const BlockTables& t, const uint8_t* mac, uint8_t proto, const std::string& remote, uint8_t icmp_type,
                bool from_lan) {
    const Probe pr = probe(mac, proto, remote, 0, 0);
    return t.match_packet(mac, pr.key, pr.lan_is_a, {icmp_type, from_lan});
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
    EXPECT_EQ(decide(t, kMac1, 17, "1.1.1.1"), 1);
    EXPECT_EQ(decide(t, kMac2, 17, "198.51.100.200"), 2);
    EXPECT_EQ(decide(t, kMac2, 17, "198.51.101.1"), 0);
    EXPECT_EQ(decide(t, kMac2, 17, "2001:db8:bad:1::9"), 3);
    EXPECT_EQ(decide(t, kMac2, 17, "2001:db8:bae::9"), 0);
    EXPECT_EQ(decide(t, kMac2, 17, "203.0.113.7"), 5);
    EXPECT_EQ(decide(t, kMac2, 17, "203.0.113.8"), 0);
    // A flow rule matches the 5-tuple for any device.
    FlowKey same = flow;
    same.mac[0] = 0x42;
    EXPECT_EQ(t.match_flow(kMac2, same, true), 4);
    // IPv4 rules never match IPv6 addresses with the same leading bytes.
    EXPECT_EQ(decide(t, kMac2, 17, "cb00:7107::"), 0);
}

TEST(BlockTables, EmptyMatchesNothing) {
    BlockTables t(1, {});
    FlowKey k{};
    EXPECT_TRUE(t.empty());
    EXPECT_EQ(t.match_flow(kMac1, k, true), 0);
    EXPECT_EQ(t.match_unparsed(kMac1, k.addr_a, k.addr_b, 4, 6), 0);
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

NetworkServices home_services() {
    NetworkServices s;
    s.resolvers = {addr("192.168.1.1"), addr("2001:db8:1::53")};
    s.dhcp_servers = {addr("192.168.1.1")};
    return s;
}

TEST(BlockTables, AllowPolicyDropsAllButAllowedRemotesAndNetworkServices) {
    const TableEntry policy = quarantine(5, kMac1, EntryKind::allow_policy);
    const NetworkServices services = home_services();
    BlockTables t(
        2,
        {policy, remote(5, EntryKind::allow_remote, "192.0.2.0/24", kMac1),
         remote(5, EntryKind::allow_remote, "2001:db8::1", kMac1), remote(9, EntryKind::global_remote, "192.0.2.66")},
        services);
    EXPECT_EQ(decide(t, kMac1, 6, "192.0.2.10"), 0);    // allowed prefix
    EXPECT_EQ(decide(t, kMac1, 6, "2001:db8::1"), 0);   // allowed address
    EXPECT_EQ(decide(t, kMac1, 6, "198.51.100.1"), 5);  // anything else
    EXPECT_EQ(decide(t, kMac1, 6, "2001:db8::2"), 5);
    EXPECT_EQ(decide(t, kMac1, 6, "192.0.2.66"), 9);    // an allow never overrides a block
    EXPECT_EQ(decide(t, kMac2, 6, "198.51.100.1"), 0);  // other devices have no policy
    EXPECT_EQ(t.services().resolvers.size(), 2u);
}

// What an allow-listed device always gets, and the bypasses a compromised one
// would try with the same ports and protocols.
TEST(BlockTables, AllowPolicyNetworkServicesAreExact) {
    const TableEntry policy = quarantine(5, kMac1, EntryKind::allow_policy);
    const NetworkServices services = home_services();
    const BlockTables t(2, {policy}, services);
    // DHCP: the client port to the server port, broadcast or a known server.
    EXPECT_EQ(decide(t, kMac1, 17, "255.255.255.255", 68, 67), 0);
    EXPECT_EQ(decide(t, kMac1, 17, "192.168.1.1", 68, 67), 0);
    EXPECT_EQ(decide(t, kMac1, 17, "203.0.113.9", 68, 67), 5);   // a "DHCP server" on the internet
    EXPECT_EQ(decide(t, kMac1, 17, "203.0.113.9", 68, 443), 5);  // source port 68 to a C2
    EXPECT_EQ(decide(t, kMac1, 6, "203.0.113.9", 68, 443), 5);
    EXPECT_EQ(decide(t, kMac1, 17, "203.0.113.9", 67, 68), 5);  // the ports the other way round
    EXPECT_EQ(decide(t, kMac1, 17, "203.0.113.9", 40000, 67), 5);
    EXPECT_EQ(decide(t, kMac1, 17, "ff02::1:2", 546, 547), 0);  // DHCPv6
    EXPECT_EQ(decide(t, kMac1, 17, "fe80::1", 546, 547), 0);
    EXPECT_EQ(decide(t, kMac1, 17, "2001:db8:bad::1", 546, 547), 5);
    EXPECT_EQ(decide(t, kMac1, 17, "2001:db8:bad::1", 547, 443), 5);
    // DNS: only to a resolver, either transport.
    EXPECT_EQ(decide(t, kMac1, 17, "192.168.1.1", 40000, 53), 0);
    EXPECT_EQ(decide(t, kMac1, 6, "2001:db8:1::53", 40000, 53), 0);
    EXPECT_EQ(decide(t, kMac1, 17, "198.51.100.53", 40000, 53), 5);  // its own resolver
    EXPECT_EQ(decide(t, kMac1, 17, "198.51.100.53", 53, 443), 5);    // source port 53 to a C2
    // Multicast, broadcast and link-local remotes are no exception by themselves.
    EXPECT_EQ(decide(t, kMac1, 17, "224.0.0.251", 5353, 5353), 5);
    EXPECT_EQ(decide(t, kMac1, 6, "fe80::1"), 5);
    EXPECT_EQ(decide(t, kMac1, 6, "169.254.1.1"), 5);
    // ICMP is judged per packet.
    bool per_packet = false;
    const Probe echo = probe(kMac1, 58, "2001:db8:bad::1", 0, 0);
    EXPECT_EQ(t.match_flow(kMac1, echo.key, echo.lan_is_a, &per_packet), 5);
    EXPECT_TRUE(per_packet);
    EXPECT_EQ(packet(t, kMac1, 58, "2001:db8:bad::1", 128, true), 5);   // echo request out
    EXPECT_EQ(packet(t, kMac1, 58, "2001:db8:bad::1", 129, false), 5);  // echo reply in
    EXPECT_EQ(packet(t, kMac1, 58, "ff02::1:ff00:1", 135, true), 0);    // neighbour solicitation
    EXPECT_EQ(packet(t, kMac1, 58, "fe80::1", 136, false), 0);          // advertisement
    EXPECT_EQ(packet(t, kMac1, 58, "ff02::2", 133, true), 0);           // router solicitation
    EXPECT_EQ(packet(t, kMac1, 58, "2001:db8:bad::1", 135, true), 5);   // ND to a routed address
    EXPECT_EQ(packet(t, kMac1, 58, "ff05::2", 133, true), 5);           // beyond link scope
    EXPECT_EQ(packet(t, kMac1, 58, "2001:db8:f::1", 2, false), 0);      // packet too big from the path
    EXPECT_EQ(packet(t, kMac1, 58, "2001:db8:f::1", 1, false), 0);      // unreachable
    EXPECT_EQ(packet(t, kMac1, 58, "2001:db8:bad::1", 1, true), 5);     // errors the device sends out
    EXPECT_EQ(packet(t, kMac1, 1, "203.0.113.1", 3, false), 0);         // ICMPv4 fragmentation needed
    EXPECT_EQ(packet(t, kMac1, 1, "203.0.113.1", 8, true), 5);          // ICMPv4 echo
    // Without known services, nothing but broadcast DHCP and on-link ICMPv6.
    const BlockTables bare(3, {policy});
    EXPECT_EQ(decide(bare, kMac1, 17, "192.168.1.1", 40000, 53), 5);
    EXPECT_EQ(decide(bare, kMac1, 17, "255.255.255.255", 68, 67), 0);
}

TEST(BlockTables, UnparseableFramesOfADeviceWithARuleAreDropped) {
    TableEntry fr;
    fr.rule = 4;
    fr.kind = EntryKind::flow;
    fr.flow = probe(nullptr, 17, "198.51.100.9", 5000, 6000).key;
    std::memset(fr.flow.mac, 0, 6);
    const BlockTables t(2, {remote(2, EntryKind::device_remote, "203.0.113.0/24", kMac1),
                            remote(3, EntryKind::global_remote, "2001:db8:bad::/48"), fr});
    const IpPrefix lan4 = addr("10.0.0.1"), lan6 = addr("fd00::1");
    auto unparsed = [&](const uint8_t* mac, const std::string& r, uint8_t proto = 0) {
        const IpPrefix rp = addr(r);
        return t.match_unparsed(mac, rp.version() == 6 ? lan6.bytes() : lan4.bytes(), rp.bytes(), rp.version(), proto);
    };
    EXPECT_EQ(unparsed(kMac2, "2001:db8:bad::1"), 3);   // address rules hold for every device
    EXPECT_EQ(unparsed(kMac2, "198.51.100.9", 17), 4);  // a flow rule by address pair: tiny fragments
    EXPECT_EQ(unparsed(kMac2, "198.51.100.9", 6), 0);   // ... of its own protocol
    EXPECT_EQ(unparsed(kMac1, "198.51.100.77"), 2);     // a device with a rule gets none through
    EXPECT_EQ(unparsed(kMac2, "198.51.100.77"), 0);     // everything else forwards (fail-open)
    EXPECT_TRUE(t.has_device_rules());
}

TEST(BlockTables, FlowRuleWithoutVlanMatchesTaggedFrames) {
    TableEntry fr;
    fr.rule = 4;
    fr.kind = EntryKind::flow;
    const Probe pr = probe(nullptr, 6, "198.51.100.9", 5000, 443);
    fr.flow = pr.key;
    std::memset(fr.flow.mac, 0, 6);
    TableEntry tagged = fr;
    tagged.rule = 6;
    tagged.flow.vlan = 20;
    const BlockTables t(2, {fr});
    FlowKey k = pr.key;
    k.vlan = 10;
    EXPECT_EQ(t.match_flow(kMac1, k, pr.lan_is_a), 4);
    const BlockTables only20(3, {tagged});
    EXPECT_EQ(only20.match_flow(kMac1, k, pr.lan_is_a), 0);  // a rule naming a VLAN keeps to it
    k.vlan = 20;
    EXPECT_EQ(only20.match_flow(kMac1, k, pr.lan_is_a), 6);
}

// Prefixes of every length, per device and global, hold exactly the
// addresses IpPrefix::contains (common/, a separate implementation) says
// they hold; single addresses (what DNS teaches) too.
TEST(BlockTables, PrefixesOfEveryLengthMatchAsIpPrefixSays) {
    std::mt19937_64 rng(11);
    for (const int version : {4, 6}) {
        const int bits = version == 6 ? 128 : 32;
        for (int length = 0; length <= bits; ++length) {
            uint8_t base[16] = {};
            for (int i = 0; i < bits / 8; ++i) base[i] = static_cast<uint8_t>(rng());
            if (version == 4) base[0] = static_cast<uint8_t>(base[0] % 223 + 1);
            IpPrefix prefix(static_cast<uint8_t>(version), base, static_cast<uint8_t>(length));
            const std::string text = prefix.to_string();
            const BlockTables t(
                1, {remote(7, EntryKind::device_remote, text, kMac1), remote(9, EntryKind::global_remote, text)});
            for (int trial = 0; trial < 40; ++trial) {
                uint8_t a[16];
                std::memcpy(a, prefix.bytes(), 16);
                const int flip = static_cast<int>(rng() % bits);  // one bit in or out of the prefix
                a[flip / 8] ^= static_cast<uint8_t>(0x80 >> (flip % 8));
                const IpPrefix probe_addr(static_cast<uint8_t>(version), a, static_cast<uint8_t>(bits));
                const bool in = prefix.contains(a, static_cast<uint8_t>(version));
                const std::string where = text + " vs " + probe_addr.address_text();
                EXPECT_EQ(decide(t, kMac1, 6, probe_addr.address_text()), in ? 7 : 0) << where;
                EXPECT_EQ(decide(t, kMac2, 6, probe_addr.address_text()), in ? 9 : 0) << where;
            }
        }
    }
}
