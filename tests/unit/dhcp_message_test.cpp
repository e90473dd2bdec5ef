#include <gtest/gtest.h>

#include <cstring>

#include "agent/slowpath/dhcp_message.h"
#include "packet_builder.h"

using namespace spin;
using namespace spin::slowpath;

namespace {
const gen::Mac kClient{{0x02, 0x53, 0x50, 0x49, 0x4e, 0x11}};

std::vector<uint8_t> discover() {
    gen::DhcpOptions o{1,
                       "thermostat",
                       "NestLabs",
                       {1, 3, 6, 15},
                       "https://mud.example.com/t.json",
                       gen::Ip::v4("10.0.0.11"),
                       gen::Ip::v4("10.0.0.1")};
    return gen::dhcp(kClient, 0x01020304, false, o);
}
}  // namespace

TEST(Dhcp, DiscoverWithEverythingAClientSaysOfItself) {
    const auto b = discover();
    DhcpMessage m;
    ASSERT_EQ(parse_dhcp(b.data(), b.size(), m), "");
    EXPECT_EQ(m.op, 1);
    EXPECT_EQ(m.xid, 0x01020304u);
    EXPECT_EQ(m.message_type, 1);
    EXPECT_STREQ(dhcp_message_type_name(m.message_type), "discover");
    EXPECT_EQ(std::memcmp(m.client_mac.data(), kClient.b, 6), 0);
    EXPECT_EQ(m.hostname, "thermostat");
    EXPECT_EQ(m.vendor_class, "NestLabs");
    EXPECT_EQ(m.fingerprint(), "1,3,6,15");
    EXPECT_EQ(m.mud_url, "https://mud.example.com/t.json");
    ASSERT_EQ(m.client_id.size(), 7u);  // type 1 + MAC
    EXPECT_EQ(m.client_id[0], 1);
}

TEST(Dhcp, AckCarriesTheAssignedAddressAndLease) {
    gen::DhcpOptions o{5, "", "", {}, "", gen::Ip::v4("10.0.0.11"), gen::Ip::v4("10.0.0.1")};
    const auto b = gen::dhcp(kClient, 9, true, o);
    DhcpMessage m;
    ASSERT_EQ(parse_dhcp(b.data(), b.size(), m), "");
    EXPECT_EQ(m.message_type, 5);
    EXPECT_EQ(m.yiaddr[3], 11);
    ASSERT_TRUE(m.server_id.has_value());
    EXPECT_EQ((*m.server_id)[3], 1);
    ASSERT_TRUE(m.lease_seconds.has_value());
    EXPECT_EQ(*m.lease_seconds, 3600u);
}

TEST(Dhcp, TruncationsAndLiesAreErrors) {
    const auto b = discover();
    DhcpMessage m;
    for (size_t n = 0; n < 240; ++n) EXPECT_NE(parse_dhcp(b.data(), n, m), "") << n;
    auto bad = b;
    bad[0] = 7;
    EXPECT_NE(parse_dhcp(bad.data(), bad.size(), m).find("op"), std::string::npos);
    bad = b;
    bad[236] = 0;
    EXPECT_NE(parse_dhcp(bad.data(), bad.size(), m).find("cookie"), std::string::npos);
    bad = b;
    bad[240 + 1] = 200;  // message type option claims 200 bytes
    EXPECT_NE(parse_dhcp(bad.data(), bad.size(), m), "");
}

TEST(Dhcp, SplitOptionsAreConcatenatedAndTrailingNulsDropped) {
    auto b = discover();
    b.resize(240);
    const std::vector<uint8_t> opts = {53, 1, 3, 12, 4, 'h', 'o', 's', 't', 12, 3, '-', '1', 0, 255};
    b.insert(b.end(), opts.begin(), opts.end());
    DhcpMessage m;
    ASSERT_EQ(parse_dhcp(b.data(), b.size(), m), "");
    EXPECT_EQ(m.hostname, "host-1");
}

TEST(Dhcp, OverloadedFileFieldIsRead) {
    auto b = discover();
    b.resize(240);
    const std::vector<uint8_t> opts = {53, 1, 1, 52, 1, 1, 255};
    b.insert(b.end(), opts.begin(), opts.end());
    const std::vector<uint8_t> in_file = {60, 3, 'a', 'b', 'c', 255};
    std::copy(in_file.begin(), in_file.end(), b.begin() + 108);
    DhcpMessage m;
    ASSERT_EQ(parse_dhcp(b.data(), b.size(), m), "");
    EXPECT_EQ(m.vendor_class, "abc");
}
