// Learning a profile and holding behaviour against one: how the learner
// names the remote end (controller class, the names the device resolved,
// local-networks, the address), who initiated, ICMP answers, what it leaves
// to the network services; that what it writes passes --strict and reads
// back as itself; and the diff's undeclared flows and unused entries
// against a hand-written profile.
#include <string>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mud/compiler.h"
#include "mud/diff.h"
#include "mud/learner.h"
#include "mud/parser.h"
#include "mud/writer.h"

using namespace spin;
using namespace spin::mud;
using nlohmann::json;
using proto::Opener;

namespace {

const MacAddress kDevice = *MacAddress::parse("02:00:00:00:00:01");

IpPrefix net(const char* text) { return *IpPrefix::parse(text); }

Observation seen(const char* remote, uint8_t proto, uint16_t port, Opener opener = Opener::device,
                 std::vector<const char*> names = {}, uint64_t pkts_in = 1) {
    Observation o;
    o.remote = net(remote);
    for (const char* n : names) o.names.push_back(*DnsName::parse(n));
    o.proto = proto;
    o.port = port;
    o.opener = opener;
    o.flows = 1;
    o.pkts_out = 1;
    o.pkts_in = pkts_in;
    return o;
}

LearnContext context() {
    LearnContext c;
    c.mud_url = "https://spin.home.arpa/mud/learnt/02-00-00-00-00-01.json";
    c.systeminfo = "Learnt by SPIN from the traffic of 02:00:00:00:00:01";
    c.last_update = "2026-12-01T00:00:00Z";
    c.home.local_networks = {net("192.168.1.0/24")};
    c.home.controllers["urn:ietf:params:mud:ntp"] = {net("192.168.1.2")};
    return c;
}

// The learnt profile as its text reads back, strictly.
Profile written(const Profile& p) {
    const auto r = parse(write_mud(p), ParseOptions{.strict = true});
    EXPECT_TRUE(r.valid()) << write_mud(p) << (r.errors.empty() ? "" : r.errors[0].to_string());
    return r.profile.value_or(Profile{});
}

const Ace* find(const Profile& p, bool to_device, uint8_t version, int n) {
    const std::string name = std::string(to_device ? "to" : "from") + "-ipv" + std::to_string(version) + "-learnt";
    const Acl* acl = p.acl(name);
    if (acl == nullptr || static_cast<size_t>(n) >= acl->aces.size()) return nullptr;
    return &acl->aces[static_cast<size_t>(n)];
}

}  // namespace

TEST(Learner, NamesTheRemoteAsAPersonWouldReadIt) {
    const Profile p = written(learn({seen("192.168.1.2", 17, 123),  // the NTP controller
                                     seen("203.0.113.5", 6, 443, Opener::device, {"cloud.maker.example"}),
                                     seen("192.168.1.20", 6, 80, Opener::remote),             // a LAN peer
                                     seen("198.51.100.7", 17, 5004, Opener::device, {}, 0)},  // nobody named it
                                    context()));
    EXPECT_EQ(p.from_device, (std::vector<std::string>{"from-ipv4-learnt"}));
    EXPECT_EQ(p.to_device, (std::vector<std::string>{"to-ipv4-learnt"}));
    // Entries sort by how the remote is named: controller, name, local, address.
    const Ace* ntp = find(p, false, 4, 0);
    ASSERT_NE(ntp, nullptr);
    EXPECT_EQ(ntp->mud.controller, "urn:ietf:params:mud:ntp");
    EXPECT_EQ(ntp->transport->dst_port, PortRange::only(123));
    const Ace* cloud = find(p, false, 4, 1);
    EXPECT_EQ(cloud->ip->dst_dnsname->to_string(), "cloud.maker.example");
    EXPECT_EQ(cloud->transport->initiated, Direction::from_device);
    const Ace* peer = find(p, false, 4, 2);
    EXPECT_TRUE(peer->mud.local_networks);
    // The LAN peer opened it: the device answers from its own port 80.
    EXPECT_EQ(peer->transport->src_port, PortRange::only(80));
    EXPECT_EQ(peer->transport->initiated, Direction::to_device);
    const Ace* video = find(p, false, 4, 3);
    EXPECT_EQ(video->ip->dst_network, net("198.51.100.7/32"));
    EXPECT_FALSE(video->transport->initiated);  // UDP has no direction-initiated
    // Nothing came back from the video sink: no to-device entry for it.
    EXPECT_EQ(p.acl("to-ipv4-learnt")->aces.size(), 3u);
    EXPECT_EQ(find(p, true, 4, 2)->transport->dst_port, PortRange::only(80));
}

TEST(Learner, OneEntryPerNameWhateverTheAddresses) {
    const Profile p = written(learn({seen("203.0.113.5", 6, 443, Opener::device, {"a.example", "b.example"}),
                                     seen("203.0.113.6", 6, 443, Opener::device, {"a.example"}),
                                     seen("2001:db8::5", 6, 443, Opener::device, {"a.example"})},
                                    context()));
    EXPECT_EQ(p.acl("from-ipv4-learnt")->aces.size(), 2u);  // a.example and b.example
    EXPECT_EQ(p.acl("from-ipv6-learnt")->aces.size(), 1u);
    EXPECT_EQ(p.acl("from-ipv6-learnt")->type, AclType::ipv6);
}

TEST(Learner, IcmpAnswersByTheirTypeAndNetworkServicesLeftOut) {
    const Profile p = written(learn({seen("203.0.113.9", 1, 8),                   // echo: answered by 0
                                     seen("192.168.1.1", 17, 67),                 // DHCP
                                     seen("fe80::1", 58, 135),                    // neighbour solicitation
                                     seen("203.0.113.1", 1, 3, Opener::remote)},  // an ICMP error
                                    context()));
    ASSERT_NE(p.acl("from-ipv4-learnt"), nullptr);
    EXPECT_EQ(p.acl("from-ipv4-learnt")->aces.size(), 1u);
    EXPECT_EQ(find(p, false, 4, 0)->icmp->type, 8);
    EXPECT_EQ(find(p, true, 4, 0)->icmp->type, 0);
    EXPECT_EQ(p.acl("from-ipv6-learnt"), nullptr);
}

TEST(Learner, WhatItLearntAllowsWhatItWasLearntFrom) {
    const std::vector<Observation> all = {seen("192.168.1.2", 17, 123),
                                          seen("203.0.113.5", 6, 443, Opener::device, {"cloud.maker.example"}),
                                          seen("192.168.1.20", 6, 80, Opener::remote),
                                          seen("198.51.100.7", 17, 5004, Opener::device, {}, 0),
                                          seen("203.0.113.9", 1, 8),
                                          seen("2001:db8::5", 17, 9999, Opener::remote),
                                          seen("203.0.113.77", 47, 0)};  // GRE: a protocol without ports
    const Profile p = written(learn(all, context()));
    Device d{.mac = kDevice, .mud_url = p.mud_url};
    const Compiled c = compile(p, d, context().home, proto::PolicyMode::enforce);
    const ProfileDiff diff = mud::diff(c.policy, all);
    EXPECT_TRUE(diff.undeclared.empty());
    EXPECT_TRUE(diff.unused.empty());
    EXPECT_EQ(diff.declared, all.size());
}

TEST(Diff, UndeclaredFlowsAndUnusedEntries) {
    const json doc = json::parse(R"({
      "ietf-mud:mud": {"mud-version": 1, "mud-url": "https://maker.example/cam.json",
        "last-update": "2026-01-01T00:00:00Z", "is-supported": true,
        "from-device-policy": {"access-lists": {"access-list": [{"name": "fr"}]}},
        "to-device-policy": {"access-lists": {"access-list": [{"name": "to"}]}}},
      "ietf-access-control-list:acls": {"acl": [
        {"name": "fr", "type": "ipv4-acl-type", "aces": {"ace": [
          {"name": "cloud", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": "cloud.maker.example"},
            "tcp": {"destination-port": {"operator": "eq", "port": 443},
                    "ietf-mud:direction-initiated": "from-device"}}, "actions": {"forwarding": "accept"}},
          {"name": "update", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": "fw.maker.example"},
            "tcp": {"destination-port": {"operator": "eq", "port": 443}}}, "actions": {"forwarding": "accept"}}]}},
        {"name": "to", "type": "ipv4-acl-type", "aces": {"ace": [
          {"name": "cloud", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:src-dnsname": "cloud.maker.example"},
            "tcp": {"source-port": {"operator": "eq", "port": 443}}}, "actions": {"forwarding": "accept"}}]}}]}})");
    const auto r = parse(doc.dump());
    ASSERT_TRUE(r.valid());
    Device d{.mac = kDevice, .mud_url = r.profile->mud_url};
    const Compiled c = compile(*r.profile, d, context().home, proto::PolicyMode::enforce);
    const std::vector<Observation> all = {
        seen("203.0.113.5", 6, 443, Opener::device, {"cloud.maker.example"}),   // declared
        seen("203.0.113.5", 6, 8443, Opener::device, {"cloud.maker.example"}),  // another port
        seen("203.0.113.6", 6, 443),                                            // nobody named it
        seen("203.0.113.5", 6, 443, Opener::remote, {"cloud.maker.example"}),   // opened from outside
        seen("192.168.1.1", 17, 53)};                                           // DNS: a network service
    const ProfileDiff diff = mud::diff(c.policy, all);
    EXPECT_EQ(diff.declared, 1u);
    EXPECT_EQ(diff.network_services, 1u);
    ASSERT_EQ(diff.undeclared.size(), 3u);
    EXPECT_EQ(diff.undeclared[0].seen.port, 8443);
    EXPECT_EQ(diff.undeclared[0].direction, "out");
    EXPECT_EQ(diff.undeclared[1].seen.remote, net("203.0.113.6"));
    // Opened by the remote: its first direction, toward the device, is what no entry allows.
    EXPECT_EQ(diff.undeclared[2].direction, "in");
    ASSERT_EQ(diff.unused.size(), 1u);
    EXPECT_EQ(diff.unused[0].ace, "update");
}
