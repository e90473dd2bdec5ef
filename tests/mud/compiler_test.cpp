// The MUD compiler: each match kind named from the device's side, each
// abstraction resolved against the home, what can never match left out with
// a note, and every shared profile compiled into a policy whose JSON (the
// order's wire form) reads back as the same policy.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mud/compiler.h"
#include "mud/parser.h"
#include "mud_corpus.h"

using namespace spin;
using namespace spin::mud;
using nlohmann::json;
using proto::Opener;
using proto::PolicyEntry;
using proto::PolicyMode;
using proto::Toward;

namespace {

const MacAddress kDevice = *MacAddress::parse("02:00:00:00:00:01");
const std::string kUrl = "https://maker.example/models/thing.json";

IpPrefix net(const char* text) { return *IpPrefix::parse(text); }

// A profile with one from-device and one to-device ACL of these entries.
Profile profile(const json& from, const json& to = json::array(), const std::string& type = "ipv4-acl-type") {
    const auto acl = [&](const char* name, const json& aces) {
        return json{{"name", name}, {"type", type}, {"aces", {{"ace", aces}}}};
    };
    const json doc = {{"ietf-mud:mud",
                       {{"mud-version", 1},
                        {"mud-url", kUrl},
                        {"last-update", "2026-01-01T00:00:00Z"},
                        {"is-supported", true},
                        {"from-device-policy", {{"access-lists", {{"access-list", {{{"name", "fr"}}}}}}}},
                        {"to-device-policy", {{"access-lists", {{"access-list", {{{"name", "to"}}}}}}}}}},
                      {"ietf-access-control-list:acls", {{"acl", {acl("fr", from), acl("to", to)}}}}};
    auto r = parse(doc.dump());
    EXPECT_TRUE(r.valid()) << doc.dump();
    return r.profile.value_or(Profile{});
}

json ace(const std::string& name, const json& matches, const char* action = "accept") {
    return {{"name", name}, {"matches", matches}, {"actions", {{"forwarding", action}}}};
}

Device device() {
    return {.mac = kDevice, .mud_url = kUrl, .dns_servers = {net("192.168.1.1")}, .ntp_servers = {net("192.168.1.2")}};
}

Home home() {
    Home h;
    h.local_networks = {net("192.168.1.0/24"), net("fd00:1::/64")};
    h.devices = {
        {kDevice, kUrl, {net("192.168.1.10")}},  // the device itself: never its own peer
        {*MacAddress::parse("02:00:00:00:00:02"), kUrl, {net("192.168.1.11")}},
        {*MacAddress::parse("02:00:00:00:00:03"), "https://maker.example/models/other.json", {net("192.168.1.12")}},
        {*MacAddress::parse("02:00:00:00:00:04"), "https://elsewhere.example/x.json", {net("192.168.1.13")}},
    };
    return h;
}

Compiled compiled(const Profile& p, const Home& h = home()) { return compile(p, device(), h, PolicyMode::enforce); }

// In the order the compiler keeps prefixes: sorted.
std::vector<IpPrefix> nets(std::initializer_list<const char*> texts) {
    std::vector<IpPrefix> v;
    for (const char* t : texts) v.push_back(net(t));
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

TEST(MudCompiler, BothPoliciesAreNamedFromTheDevicesSide) {
    const auto c = compiled(profile(
        json::array({ace("cloud-out", {{"ipv4", {{"protocol", 6}, {"ietf-acldns:dst-dnsname", "cloud.maker.example"}}},
                                       {"tcp",
                                        {{"destination-port", {{"port", 443}}},
                                         {"source-port", {{"operator", "gte"}, {"port", 1024}}},
                                         {"ietf-mud:direction-initiated", "from-device"}}}})}),
        json::array(
            {ace("cloud-in",
                 {{"ipv4", {{"protocol", 6}, {"ietf-acldns:src-dnsname", "cloud.maker.example"}}},
                  {"tcp", {{"source-port", {{"port", 443}}}, {"ietf-mud:direction-initiated", "from-device"}}}})})));
    ASSERT_EQ(c.policy.entries.size(), 2u);
    EXPECT_EQ(c.policy.mac, kDevice);
    EXPECT_EQ(c.policy.mode, PolicyMode::enforce);
    EXPECT_EQ(c.policy.profile, kUrl);
    const PolicyEntry& out = c.policy.entries[0];
    EXPECT_EQ(out.acl, "fr");
    EXPECT_EQ(out.ace, "cloud-out");
    EXPECT_EQ(out.toward, Toward::remote);
    EXPECT_EQ(out.ip_version, 4);
    EXPECT_EQ(out.proto, 6);
    EXPECT_EQ(out.domain.to_string(), "cloud.maker.example");
    EXPECT_FALSE(out.remotes);
    EXPECT_EQ(out.remote_port, PortRange::only(443));
    EXPECT_EQ(out.device_port, (PortRange{1024, 65535}));
    EXPECT_EQ(out.opened_by, Opener::device);
    const PolicyEntry& in = c.policy.entries[1];
    EXPECT_EQ(in.toward, Toward::device);
    EXPECT_EQ(in.remote_port, PortRange::only(443));  // the to-device source port is the remote's
    EXPECT_TRUE(in.device_port.any());
    EXPECT_EQ(in.opened_by, Opener::device);
    EXPECT_TRUE(c.notes.empty());
}

TEST(MudCompiler, NetworksIcmpEthAndActionsCarryOver) {
    const auto c = compiled(profile(
        json::array({
            ace("v6-nd", {{"ipv6", {{"destination-ipv6-network", "ff02::/16"}}}, {"icmp", {{"type", 135}}}}),
            ace("dns", {{"ipv4", {{"protocol", 17}, {"destination-ipv4-network", "8.8.8.8/32"}}},
                        {"udp", {{"destination-port", {{"port", 53}}}}}}),
            ace("eapol", {{"eth", {{"ethertype", 34958}, {"destination-mac-address", "01:80:c2:00:00:03"}}}}),
            ace("telnet", {{"ipv4", {{"protocol", 6}}}, {"tcp", {{"destination-port", {{"port", 23}}}}}}, "drop"),
        }),
        json::array(), "mixed-eth-ipv4-ipv6-acl-type"));
    ASSERT_EQ(c.policy.entries.size(), 4u);
    const auto& e = c.policy.entries;
    EXPECT_EQ(e[0].ip_version, 6);
    EXPECT_EQ(e[0].proto, 58);
    EXPECT_EQ(e[0].icmp_type, 135);
    EXPECT_EQ(*e[0].remotes, nets({"ff02::/16"}));
    EXPECT_EQ(*e[1].remotes, nets({"8.8.8.8/32"}));
    EXPECT_EQ(e[1].remote_port, PortRange::only(53));
    EXPECT_EQ(e[2].ip_version, 0);
    EXPECT_EQ(e[2].ethertype, 0x888e);
    EXPECT_EQ(e[2].remote_mac->to_string(), "01:80:c2:00:00:03");
    EXPECT_FALSE(e[3].accept);
}

TEST(MudCompiler, AbstractionsAreTheHomesAddresses) {
    const json from = json::array({
        ace("lan", {{"ietf-mud:mud", {{"local-networks", {nullptr}}}}}),
        ace("dns", {{"ietf-mud:mud", {{"controller", "urn:ietf:params:mud:dns"}}}}),
        ace("ntp", {{"ietf-mud:mud", {{"controller", "urn:ietf:params:mud:ntp"}}}}),
        ace("hub", {{"ietf-mud:mud", {{"controller", "https://hub.maker.example"}}}}),
        ace("mine", {{"ietf-mud:mud", {{"my-controller", {nullptr}}}}}),
        ace("same", {{"ietf-mud:mud", {{"same-manufacturer", {nullptr}}}}}),
        ace("mfg", {{"ietf-mud:mud", {{"manufacturer", "elsewhere.example"}}}}),
        ace("model", {{"ietf-mud:mud", {{"model", kUrl}}}}),
        ace("igmp", {{"ietf-mud:mud", {{"local-networks", {nullptr}}}},
                     {"ipv4", {{"protocol", 2}, {"destination-ipv4-network", "224.0.0.22/32"}}}}),
        ace("lan-but-wan", {{"ietf-mud:mud", {{"local-networks", {nullptr}}}},
                            {"ipv4", {{"destination-ipv4-network", "203.0.113.0/24"}}}}),
    });
    Home h = home();
    h.controllers["https://hub.maker.example"] = {net("192.168.1.50")};
    h.my_controllers[kUrl] = {net("192.168.1.60")};
    const auto c = compiled(profile(from), h);
    ASSERT_EQ(c.policy.entries.size(), from.size());
    const auto remotes = [&](size_t i) { return c.policy.entries[i].remotes.value_or(nets({"0.0.0.0/0"})); };
    EXPECT_EQ(remotes(0), nets({"169.254.0.0/16", "192.168.1.0/24", "224.0.0.0/24", "239.0.0.0/8",
                                "255.255.255.255/32"}));  // an ipv4 ACL: the IPv4 ones
    EXPECT_EQ(remotes(1), nets({"192.168.1.1/32"}));      // dns: what DHCP gave the device
    EXPECT_EQ(remotes(2), nets({"192.168.1.2/32"}));
    EXPECT_EQ(remotes(3), nets({"192.168.1.50/32"}));
    EXPECT_EQ(remotes(4), nets({"192.168.1.60/32"}));
    EXPECT_EQ(remotes(5), nets({"192.168.1.11/32", "192.168.1.12/32"}));  // maker.example's, not the device's own
    EXPECT_EQ(remotes(6), nets({"192.168.1.13/32"}));
    EXPECT_EQ(remotes(7), nets({"192.168.1.11/32"}));
    EXPECT_EQ(remotes(8), nets({"224.0.0.22/32"}));
    EXPECT_EQ(remotes(9), nets({}));  // both must hold: nothing
    EXPECT_TRUE(c.notes.empty()) << c.notes[0];

    // Configured classes win over DHCP; an unknown class or an empty home names nobody, and says so.
    Home bare;
    bare.controllers["urn:ietf:params:mud:dns"] = {net("10.9.9.9")};
    const auto b = compiled(profile(from), bare);
    EXPECT_EQ(*b.policy.entries[1].remotes, nets({"10.9.9.9/32"}));
    for (size_t i : {3u, 4u, 5u, 6u, 7u}) EXPECT_EQ(*b.policy.entries[i].remotes, nets({})) << i;
    EXPECT_GE(b.notes.size(), 6u);
}

TEST(MudCompiler, WhatCanNeverMatchIsLeftOutWithANote) {
    const auto c = compiled(profile(json::array({
        ace("ttl", {{"ipv4", {{"protocol", 6}, {"ttl", 64}}}}),
        ace("other-mac", {{"eth", {{"source-mac-address", "02:00:00:00:00:99"}}}}),
        ace("ok", {{"ipv4", {{"protocol", 17}}}}),
    })));
    ASSERT_EQ(c.policy.entries.size(), 1u);
    EXPECT_EQ(c.policy.entries[0].ace, "ok");
    ASSERT_EQ(c.notes.size(), 2u);
    EXPECT_NE(c.notes[0].find("fr/ttl: left out, it never matches"), std::string::npos) << c.notes[0];
    EXPECT_NE(c.notes[1].find("another device's MAC"), std::string::npos) << c.notes[1];
}

TEST(MudCompiler, AuthorityOfAUrl) {
    EXPECT_EQ(authority_of("https://Maker.Example/x"), "maker.example");
    EXPECT_EQ(authority_of("https://user@maker.example:8443/x?y"), "maker.example");
    EXPECT_EQ(authority_of("https://[2001:db8::1]:443/x"), "[2001:db8::1]");
    EXPECT_EQ(authority_of("maker.example"), "maker.example");
}

// Every shared profile: one entry per usable ACE, and the policy's JSON (as
// orders carry it) reads back as the same policy.
TEST(MudCompiler, EverySharedProfileCompilesAndRoundTrips) {
    const auto files = test::corpus_files();
    if (files.empty()) GTEST_SKIP() << "no shared corpus at " << test::corpus_root();
    size_t entries = 0;
    for (const auto& f : files) {
        const auto r = parse(test::slurp(f));
        ASSERT_TRUE(r.valid()) << f;
        size_t usable = 0;
        for (const Acl& a : r.profile->acls)
            for (const Ace& x : a.aces) usable += x.unusable.empty() ? 1 : 0;
        const auto c = compiled(*r.profile);
        EXPECT_EQ(c.policy.entries.size(), usable) << f;
        const json wire = c.policy;
        std::string error;
        const auto back = proto::parse_policy(json::parse(wire.dump()), &error);
        ASSERT_TRUE(back) << f << ": " << error;
        EXPECT_EQ(*back, c.policy) << f;
        entries += c.policy.entries.size();
    }
    EXPECT_EQ(files.size(), 38u);
    EXPECT_GT(entries, 900u);
}

TEST(PolicyWire, BrokenPoliciesAreRefusedNamingTheKey) {
    const json good = {{"mac", "02:00:00:00:00:01"},
                       {"mode", "enforce"},
                       {"profile", kUrl},
                       {"entries", {{{"acl", "fr"}, {"ace", "a"}, {"toward", "remote"}, {"proto", 6}}}}};
    std::string error;
    ASSERT_TRUE(proto::parse_policy(good, &error)) << error;
    const std::pair<std::function<void(json&)>, std::string> cases[] = {
        {[](json& j) { j["mode"] = "loose"; }, "'mode'"},
        {[](json& j) { j["mac"] = "nope"; }, "'mac'"},
        {[](json& j) { j["surprise"] = 1; }, "'surprise'"},
        {[](json& j) { j["entries"][0].erase("toward"); }, "'toward'"},
        {[](json& j) { j["entries"][0]["ip"] = 5; }, "'ip'"},
        {[](json& j) { j["entries"][0]["proto"] = 256; }, "'proto'"},
        {[](json& j) { j["entries"][0]["remotes"] = {"10.0.0.0/33"}; }, "'remotes'"},
        {[](json& j) {
             j["entries"][0]["remote_port"] = {{"lower", 9}, {"upper", 1}};
         },
         "'remote_port'"},
        {[](json& j) {
             j["entries"][0]["device_port"] = {{"lower", 1}, {"upper", 9}, {"negate", true}};
         },
         "'device_port'"},
        {[](json& j) { j["entries"][0]["domain"] = "bad name"; }, "'domain'"},
        {[](json& j) { j["entries"] = 3; }, "'entries'"},
    };
    for (const auto& [damage, key] : cases) {
        json j = good;
        damage(j);
        error.clear();
        EXPECT_FALSE(proto::parse_policy(j, &error)) << j.dump();
        EXPECT_NE(error.find(key), std::string::npos) << j.dump() << ": " << error;
    }
}
