// The MUD writer: whatever a file's dialect, what it writes is RFC 8520 that
// reads back as the same profile (its never-matching entries left out).
#include <string>

#include <gtest/gtest.h>

#include "mud/parser.h"
#include "mud/writer.h"
#include "mud_corpus.h"

using namespace spin::mud;

namespace {

// The profile without the entries that never match: what the writer keeps.
Profile usable(Profile p) {
    for (Acl& a : p.acls) std::erase_if(a.aces, [](const Ace& x) { return !x.unusable.empty(); });
    return p;
}

}  // namespace

TEST(MudWriter, EverySharedProfileReadsBackAsItself) {
    const auto files = test::corpus_files();
    if (files.empty()) GTEST_SKIP() << "no shared corpus at " << test::corpus_root();
    size_t strict = 0;
    for (const auto& f : files) {
        const auto original = parse(test::slurp(f));
        ASSERT_TRUE(original.valid()) << f;
        const std::string text = write_mud(*original.profile);
        const auto back = parse(text);
        ASSERT_TRUE(back.valid()) << f << "\n" << text.substr(0, 400);
        EXPECT_EQ(back.dialect, Dialect::rfc8520) << f;
        EXPECT_EQ(*back.profile, usable(*original.profile)) << f;
        // What was RFC 8520 to the letter stays so.
        if (original.warnings.empty()) {
            EXPECT_TRUE(parse(text, {.strict = true}).valid()) << f;
            ++strict;
        }
    }
    EXPECT_EQ(files.size(), 38u);
    EXPECT_GT(strict, 5u);
}

TEST(MudWriter, EveryMatchKindAndPortFormRoundTrips) {
    Profile p;
    p.mud_url = "https://maker.example/thing";
    p.last_update = "2026-12-01T00:00:00Z";
    p.systeminfo = "a thing";
    p.from_device = {"fr"};
    Acl acl{.name = "fr", .type = AclType::mixed_eth_ipv4_ipv6};
    const spin::PortRange ranges[] = {{443, 443}, {0, 1023}, {49152, 65535}, {23, 23, true}, {1000, 2000}, {0, 65535}};
    int i = 0;
    for (const auto& r : ranges) {
        Ace a{.name = "p" + std::to_string(i++)};
        a.ip = IpMatch{.version = 4, .protocol = 6, .dst_dnsname = spin::DnsName::parse("cloud.maker.example")};
        a.transport = TransportMatch{.protocol = 6, .dst_port = r, .initiated = Direction::from_device};
        acl.aces.push_back(a);
    }
    Ace v6{.name = "v6"};
    v6.ip = IpMatch{.version = 6, .protocol = 58, .dst_network = spin::IpPrefix::parse("ff02::/16")};
    v6.icmp = IcmpMatch{.type = 135, .code = 0};
    Ace eth{.name = "eth"};
    eth.eth = EthMatch{.ethertype = 0x888e, .dst_mac = spin::MacAddress::parse("01:80:c2:00:00:03")};
    Ace lan{.name = "lan", .action = Action::drop};
    lan.mud.local_networks = lan.mud.same_manufacturer = lan.mud.my_controller = true;
    lan.mud.controller = "urn:ietf:params:mud:dns";
    lan.mud.manufacturer = "maker.example";
    lan.mud.model = "https://maker.example/other";
    Ace never{.name = "never", .unusable = "/x: a match SPIN does not know"};
    acl.aces.insert(acl.aces.end(), {v6, eth, lan, never});
    p.acls = {acl};
    const auto back = parse(write_mud(p), {.strict = true});
    ASSERT_TRUE(back.valid()) << write_mud(p);
    EXPECT_EQ(*back.profile, usable(p));
    EXPECT_EQ(back.profile->ace_count(), p.ace_count() - 1);  // the entry that never matches is not written
}
