// MUD policy tables: the first entry whose every constraint holds decides
// each direction of a flow; network services always pass; ICMP is judged
// per packet; frames that are not IP pass by ethertype entries only.
#include <gtest/gtest.h>

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
