// The MUD parser: each match kind read into the model, each dialect, and
// broken files refused with the JSON pointer of what is wrong.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mud/parser.h"

using namespace spin::mud;
using nlohmann::json;
using spin::PortRange;

namespace {

// A valid RFC 8520 file whose one from-device ACL holds `aces` (one entry
// or a list: braces around one object make the object itself).
json profile_with(const json& entries, const std::string& type = "ipv4-acl-type") {
    const json aces = entries.is_array() ? entries : json::array({entries});
    return {
        {"ietf-mud:mud",
         {{"mud-version", 1},
          {"mud-url", "https://example.com/thing"},
          {"last-update", "2026-01-01T00:00:00+00:00"},
          {"cache-validity", 24},
          {"is-supported", true},
          {"systeminfo", "a thing"},
          {"from-device-policy", {{"access-lists", {{"access-list", {{{"name", "fr"}}}}}}}}}},
        {"ietf-access-control-list:acls", {{"acl", {{{"name", "fr"}, {"type", type}, {"aces", {{"ace", aces}}}}}}}}};
}

json ace(const std::string& name, const json& matches, const std::string& action = "accept") {
    return {{"name", name}, {"matches", matches}, {"actions", {{"forwarding", action}}}};
}

ParseResult parsed(const json& doc, bool strict = false) { return parse(doc.dump(), {.strict = strict}); }

const Ace& only_ace(const ParseResult& r) {
    EXPECT_TRUE(r.profile);
    static const Ace none;
    if (!r.profile || r.profile->acls.empty() || r.profile->acls[0].aces.empty()) return none;
    return r.profile->acls[0].aces[0];
}

bool has(const std::vector<Diagnostic>& list, const std::string& path, const std::string& words) {
    return std::any_of(list.begin(), list.end(), [&](const Diagnostic& d) {
        return d.path == path && d.message.find(words) != std::string::npos;
    });
}

std::string all(const ParseResult& r) {
    std::string out;
    for (const auto& e : r.errors) out += "error " + e.to_string() + "\n";
    for (const auto& w : r.warnings) out += "warning " + w.to_string() + "\n";
    return out;
}

const std::string kAce0 = "/ietf-access-control-list:acls/acl/0/aces/ace/0";

}  // namespace

TEST(MudParser, ContainerAndPoliciesRead) {
    json doc = profile_with({ace("a", json::object())});
    doc["ietf-mud:mud"]["mfg-name"] = "Example";
    doc["ietf-mud:mud"]["mud-signature"] = "https://example.com/thing.p7s";
    doc["ietf-mud:mud"]["to-device-policy"] = {{"access-lists", {{"access-list", {{{"name", "fr"}}}}}}};
    const auto r = parsed(doc, true);
    ASSERT_TRUE(r.valid()) << all(r);
    EXPECT_EQ(r.dialect, Dialect::rfc8520);
    const Profile& p = *r.profile;
    EXPECT_EQ(p.mud_url, "https://example.com/thing");
    EXPECT_EQ(p.cache_validity, 24);
    EXPECT_EQ(p.mfg_name, "Example");
    EXPECT_EQ(p.mud_signature, "https://example.com/thing.p7s");
    EXPECT_EQ(p.from_device, std::vector<std::string>{"fr"});
    EXPECT_EQ(p.to_device, std::vector<std::string>{"fr"});
    ASSERT_NE(p.acl("fr"), nullptr);
    EXPECT_EQ(p.acl("fr")->type, AclType::ipv4);
    EXPECT_EQ(p.ace_count(), 1u);
    EXPECT_TRUE(only_ace(r).ip == std::nullopt && only_ace(r).mud.empty());  // no matches: every packet
}

TEST(MudParser, EveryPortOperatorIsOneInterval) {
    const json ports[] = {
        {{"operator", "eq"}, {"port", 443}},   {{"port", 443}},  // operator defaults to eq
        {{"operator", "lte"}, {"port", 1023}}, {{"operator", "gte"}, {"port", 49152}},
        {{"operator", "neq"}, {"port", 23}},   {{"lower-port", 1000}, {"upper-port", 2000}},
    };
    const PortRange want[] = {{443, 443}, {443, 443}, {0, 1023}, {49152, 65535}, {23, 23, true}, {1000, 2000}};
    for (size_t i = 0; i < std::size(ports); ++i) {
        const auto r = parsed(profile_with({ace("p", {{"tcp", {{"destination-port", ports[i]}}}})}), true);
        ASSERT_TRUE(r.valid()) << ports[i].dump() << "\n" << all(r);
        ASSERT_TRUE(only_ace(r).transport && only_ace(r).transport->dst_port) << ports[i].dump();
        EXPECT_EQ(*only_ace(r).transport->dst_port, want[i]) << ports[i].dump();
    }
    EXPECT_TRUE(PortRange({23, 23, true}).matches(22));
    EXPECT_FALSE(PortRange({23, 23, true}).matches(23));
    EXPECT_TRUE(PortRange({0, 1023}).matches(0));
    EXPECT_FALSE(PortRange({0, 1023}).matches(1024));
}

TEST(MudParser, IpDnsTransportAndDirectionRead) {
    const auto r = parsed(profile_with({ace("cloud", {{"ipv4",
                                                       {{"protocol", 6},
                                                        {"ietf-acldns:dst-dnsname", "Cloud.Example.COM."},
                                                        {"source-ipv4-network", "192.0.2.0/24"}}},
                                                      {"tcp",
                                                       {{"destination-port", {{"operator", "eq"}, {"port", 443}}},
                                                        {"ietf-mud:direction-initiated", "from-device"}}}})}),
                          true);
    ASSERT_TRUE(r.valid()) << all(r);
    const Ace& a = only_ace(r);
    ASSERT_TRUE(a.ip && a.transport);
    EXPECT_EQ(a.ip->version, 4);
    EXPECT_EQ(a.ip->protocol, 6);
    EXPECT_EQ(a.ip->dst_dnsname->to_string(), "cloud.example.com");
    EXPECT_EQ(a.ip->src_network->to_string(), "192.0.2.0/24");
    EXPECT_EQ(a.transport->protocol, 6);
    EXPECT_EQ(a.transport->initiated, Direction::from_device);
    EXPECT_TRUE(a.unusable.empty());
}

TEST(MudParser, Ipv6IcmpEthAndAbstractionsRead) {
    const json aces = {
        ace("nd", {{"ipv6", {{"protocol", 58}, {"destination-ipv6-network", "ff02::/16"}}},
                   {"icmp", {{"type", 135}, {"code", 0}}}}),
        ace("eapol", {{"eth", {{"ethertype", 34958}, {"destination-mac-address", "01:80:C2:00:00:03"}}}}),
        ace("arp", {{"eth", {{"ethertype", "arp"}}}}),
        ace("lan", {{"ietf-mud:mud", {{"local-networks", {nullptr}}}}, {"ipv6", {{"protocol", 17}}}}),
        ace("mfg", {{"ietf-mud:mud", {{"manufacturer", "example.com"}}}}),
        ace("same", {{"ietf-mud:mud", {{"same-manufacturer", {nullptr}}}}}),
        ace("model", {{"ietf-mud:mud", {{"model", "https://example.com/other"}}}}),
        ace("dns", {{"ietf-mud:mud", {{"controller", "urn:ietf:params:mud:dns"}}}}),
        ace("mine", {{"ietf-mud:mud", {{"my-controller", {nullptr}}}}}),
        ace("no", {{"ipv6", {{"protocol", 17}}}}, "drop"),
    };
    const auto r = parsed(profile_with(aces, "mixed-eth-ipv4-ipv6-acl-type"), true);
    ASSERT_TRUE(r.valid()) << all(r);
    const auto& got = r.profile->acls[0].aces;
    ASSERT_EQ(got.size(), std::size(aces));
    EXPECT_EQ(got[0].ip->version, 6);
    EXPECT_EQ(got[0].ip->dst_network->to_string(), "ff02::/16");
    EXPECT_EQ(got[0].icmp->type, 135);
    EXPECT_EQ(got[0].icmp->code, 0);
    EXPECT_EQ(got[1].eth->ethertype, 0x888e);
    EXPECT_EQ(got[1].eth->dst_mac->to_string(), "01:80:c2:00:00:03");
    EXPECT_EQ(got[2].eth->ethertype, 0x0806);
    EXPECT_TRUE(got[3].mud.local_networks);
    EXPECT_EQ(got[4].mud.manufacturer, "example.com");
    EXPECT_TRUE(got[5].mud.same_manufacturer);
    EXPECT_EQ(got[6].mud.model, "https://example.com/other");
    EXPECT_EQ(got[7].mud.controller, "urn:ietf:params:mud:dns");
    EXPECT_TRUE(got[8].mud.my_controller);
    EXPECT_EQ(got[9].action, Action::drop);
    for (const Ace& a : got) EXPECT_TRUE(a.unusable.empty()) << a.name << ": " << a.unusable;
}

// What SPIN cannot enforce as written makes the entry match nothing, so a
// profile is never enforced wider than its maker wrote it.
TEST(MudParser, UnknownMatchesMakeAnEntryNeverMatch) {
    const json aces = {
        ace("ttl", {{"ipv4", {{"protocol", 6}, {"ttl", 64}}}}),
        ace("flags", {{"tcp", {{"flags", "syn"}}}}),
        ace("iface", {{"ingress-interface", "eth0"}}),
        ace("family", {{"ipv6", {{"destination-ipv6-network", "192.168.1.1/32"}}}}),
        ace("udp-dir", {{"udp", {{"ietf-mud:direction-initiated", "from-device"}}}}),
        ace("fine", {{"ipv4", {{"protocol", 17}}}}),
    };
    const auto tolerant = parsed(profile_with(aces, "mixed-eth-ipv4-ipv6-acl-type"));
    ASSERT_TRUE(tolerant.valid()) << all(tolerant);
    const auto& got = tolerant.profile->acls[0].aces;
    for (size_t i = 0; i + 1 < got.size(); ++i) EXPECT_FALSE(got[i].unusable.empty()) << got[i].name;
    EXPECT_TRUE(got.back().unusable.empty());
    EXPECT_TRUE(has(tolerant.warnings, kAce0 + "/matches/ipv4/ttl", "never matches")) << all(tolerant);
    EXPECT_TRUE(has(tolerant.warnings,
                    "/ietf-access-control-list:acls/acl/0/aces/ace/3/matches/ipv6/destination-ipv6-network",
                    "IPv4 address in an IPv6 match"))
        << all(tolerant);
    const auto strict = parsed(profile_with(aces, "mixed-eth-ipv4-ipv6-acl-type"), true);
    EXPECT_FALSE(strict.valid());
    EXPECT_EQ(strict.errors.size(), tolerant.warnings.size()) << all(strict);
}

TEST(MudParser, PreRfcDialectIsReadWithWarnings) {
    json doc = profile_with(
        {ace("eth", {{"eth", {{"ethertype", "0x0800"}}}}),
         ace("gw", {{"ietf-mud:mud", {{"controller", "urn:ietf:params:mud:gateway"}}},
                    {"ipv4", {{"protocol", 17}}},
                    {"udp", {{"destination-port", {{"operator", "range"}, {"lower-port", 1}, {"upper-port", 9}}}}}}),
         ace("v6", {{"ipv6", {{"destination-ipv6-network", "fdc1:1bdc:1e84:0:0:0:0:1"}}}})},
        "ethernet-acl-type");
    doc["ietf-access-control-list:access-lists"] = doc["ietf-access-control-list:acls"];
    doc.erase("ietf-access-control-list:acls");
    const auto r = parsed(doc);
    ASSERT_TRUE(r.valid()) << all(r);
    EXPECT_EQ(r.dialect, Dialect::pre_rfc);
    const auto& got = r.profile->acls[0].aces;
    EXPECT_EQ(r.profile->acls[0].type, AclType::eth);
    EXPECT_EQ(got[0].eth->ethertype, 0x0800);
    EXPECT_EQ(got[1].mud.controller, "urn:ietf:params:mud:gateway");
    EXPECT_EQ(*got[1].transport->dst_port, (PortRange{1, 9}));
    EXPECT_EQ(got[2].ip->dst_network->to_string(), "fdc1:1bdc:1e84::1/128");
    for (const Ace& a : got) EXPECT_TRUE(a.unusable.empty()) << a.name;
    for (const char* words : {"pre-RFC container", "string of hex digits", "no class RFC 8520 defines",
                              "a range has no operator", "no prefix length", "eth-acl-type"})
        EXPECT_TRUE(std::any_of(r.warnings.begin(), r.warnings.end(),
                                [&](const Diagnostic& d) { return d.message.find(words) != std::string::npos; }))
            << words << "\n"
            << all(r);
    EXPECT_FALSE(parsed(doc, true).valid());
}

TEST(MudParser, DraftDialectIsReadAsRfc8519) {
    const json doc = {{"ietf-mud:mud",
                       {{"mud-version", 1},
                        {"mud-url", "https://bms.example.com/.well-known/mud/bulb"},
                        {"last-update", "2018-01-23T13:33:52+01:00"},
                        {"is-supported", true},
                        {"from-device-policy", {{"access-lists", {{"access-list", {{{"name", "v6fr"}}}}}}}}}},
                      {"ietf-access-control-list:access-lists",
                       {{"acl",
                         {{{"name", "v6fr"},
                           {"acl-type", "ipv6-acl-type"},
                           {"access-list-entries",
                            {{"ace",
                              {{{"rule-name", "cl0-frdev"},
                                {"matches",
                                 {{"ipv6-acl",
                                   {{"ietf-acldns:dst-dnsname", "service.bms.example.com"},
                                    {"protocol", 6},
                                    {"destination-port-range-or-operator", {{"operator", "eq"}, {"port", 443}}}}},
                                  {"tcp", {{"ietf-mud:direction-initiated", "from-device"}}}}},
                                {"actions", {{"forwarding", "accept"}}}}}}}}}}}}}};
    const auto r = parsed(doc);
    ASSERT_TRUE(r.valid()) << all(r);
    EXPECT_EQ(r.dialect, Dialect::draft);
    const Ace& a = only_ace(r);
    EXPECT_EQ(a.name, "cl0-frdev");
    EXPECT_EQ(r.profile->acls[0].type, AclType::ipv6);
    EXPECT_EQ(a.ip->version, 6);
    EXPECT_EQ(a.ip->dst_dnsname->to_string(), "service.bms.example.com");
    ASSERT_TRUE(a.transport);
    EXPECT_EQ(a.transport->protocol, 6);
    EXPECT_EQ(*a.transport->dst_port, (PortRange{443, 443}));
    EXPECT_EQ(a.transport->initiated, Direction::from_device);
    EXPECT_TRUE(a.unusable.empty());
    ASSERT_EQ(r.warnings.size(), 1u) << all(r);
    EXPECT_FALSE(parsed(doc, true).valid());
}

TEST(MudParser, BrokenFilesNameWhatIsWrong) {
    struct Case {
        std::function<void(json&)> damage;
        std::string path, words;
    };
    const std::string mud = "/ietf-mud:mud";
    const Case cases[] = {
        {[](json& d) { d["ietf-mud:mud"].erase("mud-url"); }, mud + "/mud-url", "required"},
        {[](json& d) { d["ietf-mud:mud"]["mud-url"] = "http://example.com/x"; }, mud + "/mud-url", "https://"},
        {[](json& d) { d["ietf-mud:mud"]["mud-version"] = 2; }, mud + "/mud-version", "out of range"},
        {[](json& d) { d["ietf-mud:mud"]["cache-validity"] = 169; }, mud + "/cache-validity", "out of range"},
        {[](json& d) { d["ietf-mud:mud"]["is-supported"] = "yes"; }, mud + "/is-supported", "true or false"},
        {[](json& d) { d["ietf-mud:mud"]["from-device-policy"]["access-lists"]["access-list"][0]["name"] = "nope"; },
         mud + "/from-device-policy/access-lists/access-list/0", "which the file does not have"},
        {[](json& d) {
             d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["actions"]["forwarding"] = "maybe";
         },
         kAce0 + "/actions/forwarding", "accept, drop or reject"},
        {[](json& d) { d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0].erase("actions"); },
         kAce0 + "/actions", "required"},
        {[](json& d) {
             d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["tcp"]["destination-port"] = {
                 {"lower-port", 9}, {"upper-port", 1}};
         },
         kAce0 + "/matches/tcp/destination-port", "above upper-port"},
        {[](json& d) {
             d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["ipv4"]["protocol"] = 17;
         },
         kAce0 + "/matches", "can never match"},
        {[](json& d) {
             d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["ipv4"]
              ["ietf-acldns:dst-dnsname"] = "bad name!";
         },
         kAce0 + "/matches/ipv4/ietf-acldns:dst-dnsname", "not a DNS name"},
        {[](json& d) {
             d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["ipv4"]
              ["destination-ipv4-network"] = "10.0.0.0/33";
         },
         kAce0 + "/matches/ipv4/destination-ipv4-network", "not an address prefix"},
        {[](json& d) {
             d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["ietf-mud:mud"]
              ["local-networks"] = true;
         },
         kAce0 + "/matches/ietf-mud:mud/local-networks", "[null]"},
        {[](json& d) {
             d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"].push_back(
                 d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]);
         },
         "/ietf-access-control-list:acls/acl/0/aces/ace/1", "a second entry named"},
        {[](json& d) { d["ietf-access-control-list:acls"]["acl"] = "none"; }, "/ietf-access-control-list:acls/acl",
         "should be a list"},
        {[](json& d) { d["ietf-access-control-list:access-lists"] = d["ietf-access-control-list:acls"]; }, "", "both"},
    };
    const json good =
        profile_with({ace("a", {{"ipv4", {{"protocol", 6}}}, {"tcp", {{"destination-port", {{"port", 80}}}}}})});
    ASSERT_TRUE(parsed(good, true).valid()) << all(parsed(good, true));
    for (const Case& c : cases) {
        json doc = good;
        c.damage(doc);
        const auto r = parsed(doc);
        EXPECT_FALSE(r.valid()) << doc.dump();
        EXPECT_TRUE(has(r.errors, c.path, c.words)) << "want " << c.path << ": " << c.words << "\n" << all(r);
    }
}

TEST(MudParser, NotJsonOrDuplicateKeysIsAnError) {
    for (const std::string& text : {std::string(), std::string("{"), std::string("[1,2]"),
                                    std::string("{\"ietf-mud:mud\": 5}"), std::string(100000, '[')}) {
        const auto r = parse(text);
        EXPECT_FALSE(r.valid()) << text.substr(0, 20);
        EXPECT_FALSE(r.errors.empty());
    }
    // Readers that take the first and readers that take the last would see two devices.
    std::string twice = profile_with({ace("a", json::object())}).dump();
    const std::string url = "\"mud-url\":\"https://example.com/thing\"";
    ASSERT_NE(twice.find(url), std::string::npos);
    twice.insert(twice.find(url), "\"mud-url\":\"https://evil.example/x\",");
    const auto r = parse(twice);
    EXPECT_TRUE(has(r.errors, "", "appears twice")) << all(r);
}
