#include <gtest/gtest.h>

#include <cstring>

#include "agent/slowpath/neighbour_message.h"
#include "packet_builder.h"

using namespace spin;
using namespace spin::slowpath;

TEST(Arp, ReplyBindsTheSender) {
    const gen::Mac a{{0x02, 0, 0, 0, 0, 1}}, b{{0x02, 0, 0, 0, 0, 2}};
    const auto bytes = gen::arp(true, a, gen::Ip::v4("10.0.0.1"), b, gen::Ip::v4("10.0.0.2"));
    ArpMessage m;
    ASSERT_EQ(parse_arp(bytes.data(), bytes.size(), m), "");
    EXPECT_EQ(m.op, 2);
    const auto bind = arp_bindings(m);
    ASSERT_EQ(bind.size(), 1u);
    EXPECT_EQ(bind[0].mac[5], 1);
    EXPECT_EQ(bind[0].addr[3], 1);
}

TEST(Arp, ProbesAndForeignHardwareBindNothing) {
    const gen::Mac a{{0x02, 0, 0, 0, 0, 1}};
    auto probe = gen::arp(false, a, gen::Ip::v4("0.0.0.0"), gen::Mac{}, gen::Ip::v4("10.0.0.9"));
    ArpMessage m;
    ASSERT_EQ(parse_arp(probe.data(), probe.size(), m), "");
    EXPECT_TRUE(arp_bindings(m).empty());
    probe[1] = 6;  // IEEE 802 hardware type
    EXPECT_NE(parse_arp(probe.data(), probe.size(), m), "");
    for (size_t n = 0; n < 28; ++n) EXPECT_NE(parse_arp(probe.data(), n, m), "") << n;
}

namespace {
// Neighbour advertisement for fe80::1 with a target link-layer option.
std::vector<uint8_t> na() {
    std::vector<uint8_t> m = {136, 0, 0, 0, 0x60, 0, 0, 0, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const std::vector<uint8_t> tlla = {2, 1, 0x02, 0, 0, 0, 0, 0x09};
    m.insert(m.end(), tlla.begin(), tlla.end());
    return m;
}
}  // namespace

TEST(Nd, AdvertisementBindsTheTarget) {
    const auto bytes = na();
    NdMessage m;
    ASSERT_EQ(parse_nd(bytes.data(), bytes.size(), m), "");
    EXPECT_EQ(m.type, 136);
    EXPECT_TRUE(m.has_target_mac);
    uint8_t src[16] = {0xfe, 0x80};
    src[15] = 1;
    const auto bind = nd_bindings(m, src);
    ASSERT_EQ(bind.size(), 1u);  // no source link-layer option
    EXPECT_EQ(bind[0].mac[5], 0x09);
    EXPECT_EQ(bind[0].addr[15], 1);
}

TEST(Nd, SolicitationFromTheUnspecifiedAddressBindsNothing) {
    std::vector<uint8_t> ns = {135, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0x80, 0,    0, 0, 0, 0, 0,
                               0,   0, 0, 0, 0, 0, 0, 1, 1,    1,    0x02, 0, 0, 0, 0, 0x07};
    NdMessage m;
    ASSERT_EQ(parse_nd(ns.data(), ns.size(), m), "");
    const uint8_t unspecified[16] = {};
    EXPECT_TRUE(nd_bindings(m, unspecified).empty());  // duplicate address detection
    uint8_t src[16] = {0xfe, 0x80};
    src[15] = 7;
    EXPECT_EQ(nd_bindings(m, src).size(), 1u);
}

TEST(Nd, HostileOptionsAndLengths) {
    auto bytes = na();
    bytes[25] = 0;  // option length 0: must be discarded, not looped on
    NdMessage m;
    EXPECT_NE(parse_nd(bytes.data(), bytes.size(), m).find("length 0"), std::string::npos);
    bytes = na();
    bytes[25] = 9;  // runs past the end
    EXPECT_NE(parse_nd(bytes.data(), bytes.size(), m), "");
    bytes = na();
    bytes[0] = 128;  // echo request
    EXPECT_NE(parse_nd(bytes.data(), bytes.size(), m), "");
    bytes = na();
    for (size_t n = 0; n < 24; ++n) EXPECT_NE(parse_nd(bytes.data(), n, m), "") << n;
}
