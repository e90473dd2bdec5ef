// The value types every part shares: one parser and one canonical text form
// each.  Expected forms are written out by hand, not derived from the code.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "common/dns_name.h"
#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "proto/flow_record_json.h"

using namespace spin;

TEST(MacAddress, OneTextFormWhateverTheSpelling) {
    for (const char* text : {"02:53:50:49:4e:12", "02:53:50:49:4E:12", "02-53-50-49-4e-12", "02-53-50-49-4E-12"}) {
        const auto mac = MacAddress::parse(text);
        ASSERT_TRUE(mac) << text;
        EXPECT_EQ(mac->to_string(), "02:53:50:49:4e:12") << text;
        EXPECT_EQ(mac->to_u64(), 0x025350494e12u);
    }
    EXPECT_EQ(*MacAddress::parse("02:53:50:49:4e:12"), *MacAddress::parse("02-53-50-49-4E-12"));
    EXPECT_EQ(MacAddress::from_u64(0x025350494e12u).to_string(), "02:53:50:49:4e:12");
    EXPECT_TRUE(MacAddress::parse("01:00:5e:00:00:fb")->is_group());
    EXPECT_FALSE(MacAddress::parse("02:00:5e:00:00:fb")->is_group());
    EXPECT_TRUE(MacAddress().is_zero());
    EXPECT_EQ(nlohmann::json(*MacAddress::parse("AA-BB-CC-DD-EE-FF")), "aa:bb:cc:dd:ee:ff");
}

TEST(MacAddress, RefusesWithAReason) {
    std::string error;
    for (const char* text : {"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:fg", "aa:bb-cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff:00",
                             "aabb.ccdd.eeff", " aa:bb:cc:dd:ee:f", "aa:bb:cc:dd:ee:f\n"}) {
        EXPECT_FALSE(MacAddress::parse(text, &error)) << text;
        EXPECT_NE(error.find("is not a MAC address (aa:bb:cc:dd:ee:ff)"), std::string::npos) << error;
    }
    EXPECT_THROW(nlohmann::json("zz").get<MacAddress>(), nlohmann::json::exception);
}

TEST(IpPrefix, HostBitsClearAndLengthAlwaysShown) {
    const std::pair<const char*, const char*> cases[] = {
        {"10.0.0.1/24", "10.0.0.0/24"},
        {"10.0.0.0/24", "10.0.0.0/24"},
        {"10.0.0.255/24", "10.0.0.0/24"},
        {"10.0.0.1", "10.0.0.1/32"},
        {"10.0.0.1/32", "10.0.0.1/32"},
        {"0.0.0.0/0", "0.0.0.0/0"},
        {"192.168.255.255/0", "0.0.0.0/0"},
        {"198.51.100.77/16", "198.51.0.0/16"},
        {"2001:DB8::1/32", "2001:db8::/32"},
        {"2001:0db8:0:0::7/128", "2001:db8::7/128"},
        {"2001:db8::7", "2001:db8::7/128"},
        {"fe80::1:2:3:4/10", "fe80::/10"},
        {"::/0", "::/0"},
        {"10.0.0.129/25", "10.0.0.128/25"},
        {"10.0.0.1/31", "10.0.0.0/31"},
    };
    for (const auto& [text, canonical] : cases) {
        const auto p = IpPrefix::parse(text);
        ASSERT_TRUE(p) << text;
        EXPECT_EQ(p->to_string(), canonical) << text;
        EXPECT_EQ(*IpPrefix::parse(canonical), *p) << text;
    }
    EXPECT_EQ(*IpPrefix::parse("10.0.0.1/24"), *IpPrefix::parse("10.0.0.0/24"));
    EXPECT_NE(*IpPrefix::parse("10.0.0.1"), *IpPrefix::parse("10.0.0.0/24"));
    EXPECT_NE(*IpPrefix::parse("0.0.0.0/0"), *IpPrefix::parse("::/0"));
    EXPECT_TRUE(IpPrefix::parse("10.0.0.1")->is_host());
    EXPECT_EQ(IpPrefix::parse("2001:db8::7")->address_text(), "2001:db8::7");
}

TEST(IpPrefix, Contains) {
    const auto p = *IpPrefix::parse("10.0.0.128/25");
    const uint8_t in[4] = {10, 0, 0, 200}, out[4] = {10, 0, 0, 100};
    EXPECT_TRUE(p.contains(in, 4));
    EXPECT_FALSE(p.contains(out, 4));
    uint8_t v6[16] = {10, 0, 0, 200};
    EXPECT_FALSE(p.contains(v6, 6));  // IPv4 never matches IPv6 with the same leading bytes
    EXPECT_TRUE(IpPrefix::parse("::/0")->contains(v6, 6));
}

TEST(IpPrefix, RefusesWithAReason) {
    std::string error;
    EXPECT_FALSE(IpPrefix::parse("10.0.0.0/33", &error));
    EXPECT_EQ(error, "'10.0.0.0/33': the prefix length must be 0..32");
    EXPECT_FALSE(IpPrefix::parse("2001:db8::/129", &error));
    EXPECT_EQ(error, "'2001:db8::/129': the prefix length must be 0..128");
    EXPECT_FALSE(IpPrefix::parse("300.1.2.3", &error));
    EXPECT_EQ(error, "'300.1.2.3' is not an IPv4 / IPv6 address or prefix (e.g. 198.51.100.0/24)");
    for (const char* text : {"", "10.0.0.0/", "10.0.0.0/8x", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/0008",
                             "example.com", "10.0.0", "010.0.0.1", "10.0.0.1 ", "/24"})
        EXPECT_FALSE(IpPrefix::parse(text)) << text;
}

TEST(DnsName, LowerCaseWithoutTheRootDot) {
    EXPECT_EQ(DnsName::parse("Example.COM.")->to_string(), "example.com");
    EXPECT_EQ(DnsName::parse_pattern("*.Tracker.Example.")->to_string(), "*.tracker.example");
    EXPECT_EQ(*DnsName::parse("example.com"), *DnsName::parse("EXAMPLE.com."));
    EXPECT_EQ(DnsName::parse("_sip._tcp.example")->to_string(), "_sip._tcp.example");
    EXPECT_FALSE(DnsName::parse("*.example.com"));  // a name is no pattern
    EXPECT_TRUE(DnsName::parse_pattern("*.example.com")->wildcard());
}

TEST(DnsName, Covers) {
    const auto plain = *DnsName::parse("example.com");
    EXPECT_TRUE(plain.covers("example.com"));
    EXPECT_TRUE(plain.covers("WWW.Example.com."));
    EXPECT_TRUE(plain.covers("a.b.example.com"));
    EXPECT_FALSE(plain.covers("notexample.com"));
    EXPECT_FALSE(plain.covers("example.co"));
    EXPECT_FALSE(plain.covers("com"));
    const auto star = *DnsName::parse_pattern("*.example.com");
    EXPECT_FALSE(star.covers("example.com"));
    EXPECT_TRUE(star.covers("a.example.com"));
    EXPECT_FALSE(star.covers("aexample.com"));
    EXPECT_FALSE(DnsName().covers("example.com"));
}

TEST(DnsName, IsTheNameItselfOnly) {
    const auto plain = *DnsName::parse("cloud.example.com");
    EXPECT_TRUE(plain.is("cloud.example.com"));
    EXPECT_TRUE(plain.is("Cloud.Example.COM."));
    EXPECT_FALSE(plain.is("x.cloud.example.com"));
    EXPECT_FALSE(plain.is("example.com"));
    EXPECT_FALSE(plain.is("xcloud.example.com"));
    EXPECT_FALSE(DnsName::parse_pattern("*.example.com")->is("a.example.com"));
    EXPECT_FALSE(DnsName().is(""));
}

TEST(DnsName, RefusesWithAReason) {
    std::string error;
    const std::string label63(63, 'a'), label64(64, 'a');
    EXPECT_TRUE(DnsName::parse(label63 + ".example"));
    EXPECT_FALSE(DnsName::parse(label64 + ".example", &error));
    EXPECT_NE(error.find("a label longer than 63"), std::string::npos) << error;
    std::string long_name;
    while (long_name.size() < 250) long_name += "abcdefgh.";
    EXPECT_FALSE(DnsName::parse(long_name + "example", &error));
    EXPECT_NE(error.find("longer than 253"), std::string::npos) << error;
    for (const char* text : {"", ".", "a..b", ".example", "example..", "exa mple.com", "ex\xc3\xa9.com", "*.", "*",
                             "a.*.example", "**.example", "*example.com"}) {
        EXPECT_FALSE(DnsName::parse_pattern(text, &error)) << text;
        EXPECT_NE(error.find("is not a DNS name"), std::string::npos) << text << ": " << error;
    }
}

// Addresses as text, against libc's inet_ntop: every value of every octet.
TEST(FormatIp, Ipv4AsInetNtopWritesIt) {
    uint8_t a[16] = {};
    for (int pos = 0; pos < 4; ++pos)
        for (int v = 0; v < 256; ++v) {
            const uint8_t fill[4] = {1, 20, 203, 0};
            std::memcpy(a, fill, 4);
            a[pos] = static_cast<uint8_t>(v);
            char want[INET_ADDRSTRLEN];
            ASSERT_NE(inet_ntop(AF_INET, a, want, sizeof want), nullptr);
            EXPECT_EQ(proto::format_ip(a, 4), want);
        }
    const uint8_t v6[16] = {0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66};
    EXPECT_EQ(proto::format_ip(v6, 6), "fd77::66");
}
