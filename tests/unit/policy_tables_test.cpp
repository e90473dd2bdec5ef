// MUD policy tables: the first entry whose every constraint holds decides
// each direction of a flow; network services always pass; ICMP is judged
// per packet; frames that are not IP pass by ethertype entries only.
#include <gtest/gtest.h>

#include <array>
#include <random>

#include "dataplane/policy_tables.h"
#include "flow_probe.h"
#include "proto/flow_record.h"

using namespace spin::dp;
using spin::IpPrefix;
using spin::MacAddress;
using spin::PortRange;

namespace {

const uint8_t kDev[6] = {0x02, 0, 0, 0, 0, 1};
const uint8_t kOther[6] = {0x02, 0, 0, 0, 0, 2};
constexpr uint8_t kByDevice = static_cast<uint8_t>(spin::proto::Initiator::lan);
constexpr uint8_t kByRemote = static_cast<uint8_t>(spin::proto::Initiator::remote);

PolicyRule to_remote(std::vector<std::string> remotes, int16_t proto, uint16_t remote_port) {
    PolicyRule r;
    r.dir = 0;
    r.proto = proto;
    r.any_remote = remotes.empty();
    for (const auto& t : remotes) r.remotes.push_back(addr(t));
    if (remote_port != 0) r.remote_port = PortRange::only(remote_port);
    return r;
}

PolicyTables tables(std::vector<PolicyRule> rules, bool enforce = true, spin::dp::NetworkServices services = {}) {
    DevicePolicyTable d{.mac = MacAddress(kDev), .rule = 7, .enforce = enforce, .rules = std::move(rules)};
    return PolicyTables(3, {d}, std::move(services));
}

uint16_t verdict(const PolicyTables& t, uint8_t proto, const std::string& remote, uint16_t remote_port, int dir = 0,
                 uint8_t initiator = kByDevice, uint16_t lan_port = 40000) {
    const Probe p = probe(kDev, proto, remote, lan_port, remote_port);
    const auto* d = t.find(kDev);
    EXPECT_NE(d, nullptr);
    return d == nullptr ? 0 : t.decide(*d, p.key, p.lan_is_a, dir, initiator, nullptr);
}

}  // namespace

TEST(PolicyTables, FirstMatchingEntryDecidesEachDirection) {
    std::vector<PolicyRule> rules = {
        to_remote({"192.0.2.0/24"}, 6, 443),                 // entry 1
        to_remote({"198.51.100.7", "192.0.2.0/24"}, 17, 0),  // entry 2: hosts and a prefix
        to_remote({}, 6, 23),                                // entry 3: telnet anywhere, dropped
    };
    rules[2].accept = false;
    PolicyRule back = to_remote({"192.0.2.0/24"}, 6, 443);
    back.dir = 1;
    rules.push_back(back);  // entry 4
    const auto t = tables(rules);
    EXPECT_EQ(t.version(), 3u);
    EXPECT_EQ(t.find(kOther), nullptr);
    EXPECT_EQ(verdict(t, 6, "192.0.2.9", 443), 1);
    EXPECT_EQ(verdict(t, 6, "192.0.2.9", 443, 1), 4);
    EXPECT_EQ(verdict(t, 6, "192.0.2.9", 80), kPolicyNoEntry);
    EXPECT_EQ(verdict(t, 6, "203.0.113.1", 443), kPolicyNoEntry);
    EXPECT_EQ(verdict(t, 17, "198.51.100.7", 5000), 2);
    EXPECT_EQ(verdict(t, 17, "198.51.100.8", 5000), kPolicyNoEntry);
    EXPECT_EQ(verdict(t, 6, "203.0.113.1", 23), 3);
    const auto& d = *t.find(kDev);
    EXPECT_TRUE(t.passes(d, 1));
    EXPECT_FALSE(t.passes(d, 3));  // a drop entry
    EXPECT_FALSE(t.passes(d, kPolicyNoEntry));
    EXPECT_TRUE(t.passes(d, kPolicyService));
    EXPECT_FALSE(t.passes(d, 99));
}

TEST(PolicyTables, PortsOpenerVersionAndDeviceNetworks) {
    PolicyRule ranged = to_remote({}, 17, 0);
    ranged.remote_port = {1000, 2000};
    ranged.device_port = {5353, 5353, true};  // any device port but 5353
    PolicyRule opened = to_remote({}, 6, 8080);
    opened.opener = kByRemote;  // the remote connects to the device's 8080
    opened.remote_port = {};
    opened.device_port = PortRange::only(8080);
    PolicyRule v6 = to_remote({"2001:db8::/32"}, -1, 0);
    v6.ip_version = 6;
    PolicyRule mine = to_remote({}, 17, 123);
    mine.device_networks = {addr("10.0.0.0/8")};
    PolicyRule theirs = to_remote({}, 17, 124);
    theirs.device_networks = {addr("172.16.0.0/12")};
    const auto t = tables({ranged, opened, v6, mine, theirs});
    EXPECT_EQ(verdict(t, 17, "203.0.113.1", 1500), 1);
    EXPECT_EQ(verdict(t, 17, "203.0.113.1", 2001), kPolicyNoEntry);
    EXPECT_EQ(verdict(t, 17, "203.0.113.1", 1500, 0, kByDevice, 5353), kPolicyNoEntry);
    EXPECT_EQ(verdict(t, 6, "203.0.113.1", 50000, 0, kByRemote, 8080), 2);
    EXPECT_EQ(verdict(t, 6, "203.0.113.1", 50000, 0, kByDevice, 8080), kPolicyNoEntry);  // opened by the device
    EXPECT_EQ(verdict(t, 6, "203.0.113.1", 50000, 0, 0, 8080), 2);  // picked up mid-stream: opener unknown
    EXPECT_EQ(verdict(t, 6, "2001:db8::5", 443), 3);
    EXPECT_EQ(verdict(t, 6, "2001:db9::5", 443), kPolicyNoEntry);
    EXPECT_EQ(verdict(t, 17, "203.0.113.1", 123), 4);  // the device is 10.0.0.1
    EXPECT_EQ(verdict(t, 17, "203.0.113.1", 124), kPolicyNoEntry);
}

TEST(PolicyTables, AnEmptyRemoteListMatchesNothing) {
    PolicyRule nobody = to_remote({}, 6, 443);
    nobody.any_remote = false;  // same-manufacturer with no such device yet
    const auto t = tables({nobody});
    EXPECT_EQ(verdict(t, 6, "192.0.2.1", 443), kPolicyNoEntry);
}

TEST(PolicyTables, NetworkServicesAlwaysPass) {
    spin::dp::NetworkServices services;
    services.resolvers = {addr("10.0.0.53")};
    const auto t = tables({}, true, services);
    EXPECT_EQ(verdict(t, 17, "10.0.0.53", 53), kPolicyService);
    EXPECT_EQ(verdict(t, 17, "255.255.255.255", 67, 0, kByDevice, 68), kPolicyService);
    EXPECT_EQ(verdict(t, 17, "8.8.8.8", 53), kPolicyNoEntry);  // not the home's resolver
    // A DHCP server not yet known offers by unicast (the agent learns its
    // servers from their offers): the offer reaches the device, but what the
    // device sends back to that address on the same flow does not.
    EXPECT_EQ(verdict(t, 17, "10.0.0.1", 67, 1, kByRemote, 68), kPolicyService);
    EXPECT_EQ(verdict(t, 17, "10.0.0.1", 67, 0, kByRemote, 68), kPolicyNoEntry);
    EXPECT_EQ(verdict(t, 17, "10.0.0.1", 68, 1, kByRemote, 67), kPolicyNoEntry);  // ports the other way round
}

TEST(PolicyTables, IcmpIsJudgedPerPacketByTypeAndCode) {
    PolicyRule echo = to_remote({}, 1, 0);
    echo.icmp_type = 8;
    echo.icmp_code = 0;
    const auto t = tables({to_remote({}, 6, 443), echo});
    const Probe p = probe(kDev, 1, "192.0.2.1", 0, 0);
    const auto& d = *t.find(kDev);
    const PacketFacts request{8, true, 0}, odd_code{8, true, 1}, reply{0, true, 0};
    EXPECT_EQ(t.decide(d, p.key, p.lan_is_a, 0, kByDevice, &request), 2);
    EXPECT_EQ(t.decide(d, p.key, p.lan_is_a, 0, kByDevice, &odd_code), kPolicyNoEntry);
    EXPECT_EQ(t.decide(d, p.key, p.lan_is_a, 0, kByDevice, &reply), kPolicyNoEntry);
    EXPECT_EQ(t.decide(d, p.key, p.lan_is_a, 0, kByDevice, nullptr), kPolicyNoEntry);  // a type entry needs the packet
}

TEST(PolicyTables, FramesThatAreNotIpPassByEthertypeEntries) {
    PolicyRule eapol;
    eapol.ethertype = 0x888e;
    PolicyRule broadcast;
    broadcast.ethertype = 0x88cc;
    broadcast.has_remote_mac = true;
    broadcast.remote_mac = *MacAddress::parse("01:80:c2:00:00:0e");
    const auto t = tables({eapol, broadcast, to_remote({}, -1, 0)});
    const auto& d = *t.find(kDev);
    const uint8_t lldp_dst[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e}, other[6] = {0x01, 0x80, 0xc2, 0, 0, 0x03};
    EXPECT_EQ(t.decide_frame(d, 0x0806, other, 0), kPolicyService);  // ARP
    EXPECT_EQ(t.decide_frame(d, 0x888e, other, 0), 1);
    EXPECT_EQ(t.decide_frame(d, 0x88cc, lldp_dst, 0), 2);
    EXPECT_EQ(t.decide_frame(d, 0x88cc, other, 0), kPolicyNoEntry);
    EXPECT_EQ(t.decide_frame(d, 0x9000, other, 0), kPolicyNoEntry);  // the any-IP entry names no frame
    // An entry with a remote MAC never matches an IP flow (an IP flow has none).
    EXPECT_EQ(verdict(tables({broadcast}), 6, "192.0.2.1", 443), kPolicyNoEntry);
}

TEST(PolicyTables, RefusesWhatCannotBeATable) {
    DevicePolicyTable a{.mac = MacAddress(kDev), .rule = 1};
    EXPECT_THROW(PolicyTables(2, {a, a}, {}), std::invalid_argument);
    a.rule = 0;
    EXPECT_THROW(PolicyTables(2, {a}, {}), std::invalid_argument);
    EXPECT_TRUE(PolicyTables().empty());
}

namespace {

// The policy's meaning read straight from its entries, in order, with no
// index: the first entry of direction `dir` whose every constraint holds.
// (For TCP, UDP and other flows without an ICMP packet and without services.)
uint16_t first_match(const std::vector<PolicyRule>& rules, const FlowKey& key, bool lan_is_a, int dir,
                     uint8_t initiator) {
    const uint8_t* remote = lan_is_a ? key.addr_b : key.addr_a;
    const uint8_t* lan = lan_is_a ? key.addr_a : key.addr_b;
    const uint16_t remote_port = lan_is_a ? key.port_b : key.port_a;
    const uint16_t lan_port = lan_is_a ? key.port_a : key.port_b;
    const bool ported = key.proto == 6 || key.proto == 17 || key.proto == 132 || key.proto == 136;
    for (size_t i = 0; i < rules.size(); ++i) {
        const PolicyRule& r = rules[i];
        if (r.dir != dir || r.has_remote_mac || r.icmp_type >= 0 || r.icmp_code >= 0) continue;
        if (r.ip_version != 0 && r.ip_version != key.ip_version) continue;
        if (r.ethertype >= 0 && r.ethertype != (key.ip_version == 6 ? 0x86dd : 0x0800)) continue;
        if (r.proto >= 0 && r.proto != key.proto) continue;
        if (!r.remote_port.any() || !r.device_port.any())
            if (!ported || !r.remote_port.matches(remote_port) || !r.device_port.matches(lan_port)) continue;
        if (r.opener != 0 && initiator != 0 && r.opener != initiator) continue;
        const auto in = [&](const std::vector<IpPrefix>& list, const uint8_t* a) {
            for (const IpPrefix& p : list)
                if (p.contains(a, key.ip_version)) return true;
            return false;
        };
        if (!r.any_remote && !in(r.remotes, remote)) continue;
        if (!r.device_networks.empty() && !in(r.device_networks, lan)) continue;
        return static_cast<uint16_t>(i + 1);
    }
    return kPolicyNoEntry;
}

}  // namespace

// A TCP / UDP flow tries only the entries of its protocol naming its remote
// port or no single port (the index); the verdict must be the policy's first
// matching entry all the same, over random policies of several devices.
TEST(PolicyTables, TheIndexByPortGivesThePolicysFirstMatch) {
    std::mt19937 rng(20261206);
    const auto pick = [&](auto&& list) { return list[rng() % list.size()]; };
    const std::vector<uint16_t> ports = {53, 80, 443, 8000, 8001, 8002, 40000};
    const std::vector<int16_t> protos = {-1, -1, 6, 17, 6, 17, 1, 132};
    const std::vector<std::string> remotes = {"192.0.2.9",   "192.0.2.0/24",  "198.51.100.7",
                                              "2001:db8::9", "2001:db8::/32", "203.0.113.0/25"};
    const auto port_range = [&]() {
        switch (rng() % 6) {
        case 0:
        case 1: return PortRange{};
        case 2:
        case 3: return PortRange::only(pick(ports));
        case 4: return PortRange{7999, 8001};
        default: return PortRange{pick(ports), pick(ports), true};
        }
    };
    for (int round = 0; round < 200; ++round) {
        std::vector<DevicePolicyTable> devices;
        for (uint8_t dev = 1; dev <= 3; ++dev) {
            DevicePolicyTable d{.mac = MacAddress(std::array<uint8_t, 6>{0x02, 0, 0, 0, 0, dev}),
                                .rule = static_cast<uint16_t>(dev),
                                .enforce = true};
            const size_t n = rng() % 40;
            for (size_t i = 0; i < n; ++i) {
                PolicyRule r;
                r.accept = rng() % 4 != 0;
                r.dir = static_cast<uint8_t>(rng() % 2);
                r.proto = pick(protos);
                r.ip_version = static_cast<uint8_t>(rng() % 5 == 0 ? 4 : 0);
                r.any_remote = rng() % 3 == 0;
                if (!r.any_remote)
                    for (size_t k = rng() % 3; k > 0; --k) r.remotes.push_back(addr(pick(remotes)));
                r.remote_port = port_range();
                if (rng() % 4 == 0) r.device_port = port_range();
                r.opener = static_cast<uint8_t>(rng() % 3);
                if (rng() % 10 == 0) r.device_networks.push_back(addr("10.0.0.0/8"));
                if (rng() % 15 == 0) r.icmp_type = 8;
                if (rng() % 20 == 0) {
                    r.has_remote_mac = true;
                    r.ethertype = 0x88cc;
                    r.proto = -1;
                }
                d.rules.push_back(r);
            }
            devices.push_back(d);
        }
        const PolicyTables t(1, devices, {});
        for (int k = 0; k < 200; ++k) {
            const DevicePolicyTable& d = pick(devices);
            const uint8_t proto = pick(std::vector<uint8_t>{6, 17, 6, 17, 1, 47, 132});
            const std::string remote = pick(std::vector<std::string>{"192.0.2.9", "192.0.2.200", "198.51.100.7",
                                                                     "203.0.113.4", "2001:db8::9", "2001:db8::5"});
            const Probe p = probe(d.mac.bytes().data(), proto, remote, pick(ports), pick(ports));
            const uint8_t initiator = static_cast<uint8_t>(rng() % 3);
            const auto* compiled = t.find(d.mac.bytes().data());
            ASSERT_NE(compiled, nullptr);
            for (int dir = 0; dir < 2; ++dir)
                ASSERT_EQ(t.decide(*compiled, p.key, p.lan_is_a, dir, initiator, nullptr),
                          first_match(d.rules, p.key, p.lan_is_a, dir, initiator))
                    << "round " << round << " probe " << k << " dir " << dir << " proto " << int(proto);
        }
    }
}
