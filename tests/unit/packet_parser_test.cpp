#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/packet_parser.h"
#include "packet_builder.h"

using namespace spin;
using namespace spin::gen;
using dp::ParseStatus;

namespace {

const Mac kA{{0x02, 0, 0, 0, 0, 1}}, kB{{0x02, 0, 0, 0, 0, 2}};
const Ip v4a = Ip::v4("10.0.0.1"), v4b = Ip::v4("192.0.2.9");
const Ip v6a = Ip::v6("2001:db8::1"), v6b = Ip::v6("2001:db8::2");

dp::ParsedPacket parse(const Bytes& f) {
    dp::ParsedPacket p;
    dp::parse_packet(f.data(), static_cast<uint32_t>(f.size()), p);
    return p;
}

Bytes tcp4(uint8_t flags = 0x02, std::vector<uint16_t> vlans = {}) {
    return ethernet({kA, kB, vlans}, 0x0800, ip_packet(v4a, v4b, 6, tcp(v4a, v4b, 1234, 443, 7, 0, flags, {})));
}

}  // namespace

TEST(PacketParser, HandWrittenIpv4Udp) {
    // Written out by hand from RFC 791 / 768, not by the frame builder.
    const uint8_t f[] = {
        0x02, 0,    0,    0,    0, 2, 0x02, 0, 0,  0,  0, 1, 0x08, 0x00,                      // Ethernet
        0x45, 0,    0,    28,   0, 1, 0,    0, 64, 17, 0, 0, 10,   0,    0, 1, 192, 0, 2, 9,  // IPv4
        0x30, 0x39, 0x00, 0x35, 0, 8, 0,    0,                                                // UDP 12345 -> 53
        0,    0,    0,    0,    0, 0, 0,    0, 0,  0,  0, 0, 0,    0,    0, 0, 0,   0};       // Ethernet padding
    dp::ParsedPacket p;
    ASSERT_EQ(dp::parse_packet(f, sizeof f, p), ParseStatus::ok);
    EXPECT_EQ(p.ip_version, 4);
    EXPECT_EQ(p.proto, 17);
    EXPECT_EQ(p.sport, 12345);
    EXPECT_EQ(p.dport, 53);
    EXPECT_EQ(p.src[0], 10);
    EXPECT_EQ(p.dst[0], 192);
    EXPECT_EQ(std::memcmp(p.src_mac, kA.b, 6), 0);
    EXPECT_FALSE(p.fragment);
}

TEST(PacketParser, TcpFlagsAndSequence) {
    const auto p = parse(tcp4(0x12));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_EQ(p.tcp_flags, 0x12);
    EXPECT_EQ(p.tcp_seq, 7u);
    EXPECT_EQ(p.sport, 1234);
    EXPECT_EQ(p.dport, 443);
}

TEST(PacketParser, VlanAndQinQ) {
    auto p = parse(tcp4(0x02, {42}));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_EQ(p.vlan, 42);
    EXPECT_EQ(p.vlan_depth, 1);
    p = parse(tcp4(0x02, {100, 10}));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_EQ(p.vlan, 100);  // the outer tag names the flow's VLAN
    EXPECT_EQ(p.vlan_depth, 2);
    EXPECT_EQ(p.dport, 443);
}

TEST(PacketParser, TooManyVlanTagsIsMalformed) {
    EXPECT_EQ(parse(tcp4(0x02, {1, 2, 3, 4, 5})).status, ParseStatus::malformed);
}

TEST(PacketParser, NonIpFrames) {
    const auto arp_frame = ethernet({kA, kB, {}}, 0x0806, arp(false, kA, v4a, Mac{}, v4b));
    EXPECT_EQ(parse(arp_frame).status, ParseStatus::non_ip);
    EXPECT_EQ(parse(arp_frame).ethertype, 0x0806);
    EXPECT_EQ(parse(ethernet({kA, kB, {}}, 0x88b5, Bytes(50, 1))).status, ParseStatus::non_ip);
    // 802.3 length field instead of an ethertype (LLC frames).
    EXPECT_EQ(parse(ethernet({kA, kB, {}}, 0x0040, Bytes(64, 1))).status, ParseStatus::non_ip);
}

TEST(PacketParser, EveryTruncationOfATcpFrameIsSafe) {
    const Bytes full = ethernet({kA, kB, {7}}, 0x0800, ip_packet(v4a, v4b, 6, tcp(v4a, v4b, 1, 2, 3, 4, 0x10, {})));
    for (size_t n = 0; n < full.size(); ++n) {
        const Bytes cut(full.begin(), full.begin() + n);
        const auto p = parse(cut);
        if (n < 18 + 20 + 20) EXPECT_EQ(p.status, ParseStatus::truncated) << "length " << n;
    }
    EXPECT_EQ(parse(full).status, ParseStatus::ok);
}

TEST(PacketParser, Ipv4HeaderLies) {
    Bytes f = tcp4();
    f[14] = 0x44;  // IHL 16 bytes < 20
    EXPECT_EQ(parse(f).status, ParseStatus::malformed);
    f = tcp4();
    f[14] = 0x65;  // version 6 in an IPv4 ethertype
    EXPECT_EQ(parse(f).status, ParseStatus::malformed);
    f = tcp4();
    f[16] = 0;
    f[17] = 10;  // total length shorter than the header
    EXPECT_EQ(parse(f).status, ParseStatus::malformed);
    f = tcp4();
    f[14] = 0x4f;  // IHL 60 bytes: options run past the frame
    EXPECT_NE(parse(f).status, ParseStatus::ok);
    f = tcp4();
    f[14 + 20 + 12] = 0x20;  // TCP data offset 8 bytes
    EXPECT_EQ(parse(f).status, ParseStatus::malformed);
}

TEST(PacketParser, TotalLengthBoundsTransportHeader) {
    // A UDP datagram whose IP total length stops before the UDP header ends:
    // the padding after it must not be read as UDP.
    Bytes f = ethernet({kA, kB, {}}, 0x0800, ip_packet(v4a, v4b, 17, udp(v4a, v4b, 1, 2, {})));
    f[16] = 0;
    f[17] = 24;  // 20 header + 4 bytes of UDP
    EXPECT_EQ(parse(f).status, ParseStatus::truncated);
}

TEST(PacketParser, Ipv4Fragments) {
    Bytes f = ethernet({kA, kB, {}}, 0x0800, ip_packet(v4a, v4b, 17, udp(v4a, v4b, 5000, 53, Bytes(16, 0))));
    f[20] = 0x20;  // more fragments, offset 0: first fragment keeps the UDP header
    auto p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_TRUE(p.fragment);
    EXPECT_FALSE(p.later_fragment);
    EXPECT_TRUE(p.has_ports);
    EXPECT_EQ(p.sport, 5000);
    f[20] = 0x00;
    f[21] = 0x10;  // offset 128 bytes: no transport header here
    p = parse(f);
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_TRUE(p.later_fragment);
    EXPECT_FALSE(p.has_ports);
    EXPECT_EQ(p.proto, 17);
}

TEST(PacketParser, Ipv6ExtensionHeaders) {
    // hop-by-hop (8) -> destination options (16) -> UDP
    Bytes ext{60, 0, 1, 4,  0, 0, 0, 0,                           // hop-by-hop, next = dst opts
              17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // dst opts 16 bytes, next = UDP
    const Bytes l4 = udp(v6a, v6b, 546, 547, Bytes(10, 0));
    ext.insert(ext.end(), l4.begin(), l4.end());
    const auto p = parse(ethernet({kA, kB, {}}, 0x86dd, ip_packet(v6a, v6b, 0, ext)));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_EQ(p.ip_version, 6);
    EXPECT_EQ(p.proto, 17);
    EXPECT_EQ(p.sport, 546);
    EXPECT_EQ(p.dport, 547);
    EXPECT_EQ(p.src[15], 1);
}

TEST(PacketParser, Ipv6Fragments) {
    Bytes frag{6, 0, 0, 1, 0, 0, 0, 9};  // fragment header: next TCP, offset 0, M=1
    const Bytes l4 = tcp(v6a, v6b, 80, 8080, 1, 1, 0x10, {});
    frag.insert(frag.end(), l4.begin(), l4.end());
    auto p = parse(ethernet({kA, kB, {}}, 0x86dd, ip_packet(v6a, v6b, 44, frag)));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_TRUE(p.fragment);
    EXPECT_EQ(p.dport, 8080);
    frag[2] = 0x01;  // offset 32 bytes: later fragment
    p = parse(ethernet({kA, kB, {}}, 0x86dd, ip_packet(v6a, v6b, 44, frag)));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_TRUE(p.later_fragment);
    EXPECT_FALSE(p.has_ports);
    EXPECT_EQ(p.proto, 6);
}

TEST(PacketParser, Ipv6ExtensionChainTooLongOrTruncated) {
    Bytes chain;
    for (int i = 0; i < 12; ++i) chain.insert(chain.end(), {60, 0, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(parse(ethernet({kA, kB, {}}, 0x86dd, ip_packet(v6a, v6b, 60, chain))).status, ParseStatus::malformed);
    Bytes big{17, 200, 0, 0, 0, 0, 0, 0};  // claims 1608 bytes
    EXPECT_EQ(parse(ethernet({kA, kB, {}}, 0x86dd, ip_packet(v6a, v6b, 0, big))).status, ParseStatus::truncated);
}

TEST(PacketParser, IcmpTypes) {
    auto p = parse(ethernet({kA, kB, {}}, 0x0800, ip_packet(v4a, v4b, 1, icmp_echo(false, v4a, v4b, false, 1, 1))));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_EQ(p.icmp_type, 8);
    EXPECT_FALSE(p.has_ports);
    p = parse(ethernet({kA, kB, {}}, 0x86dd, ip_packet(v6a, v6b, 58, icmp_echo(true, v6a, v6b, true, 1, 1))));
    ASSERT_EQ(p.status, ParseStatus::ok);
    EXPECT_EQ(p.icmp_type, 129);
}

TEST(PacketParser, RuntFrames) {
    for (uint32_t n = 0; n < 14; ++n) {
        const uint8_t zero[14] = {};
        dp::ParsedPacket p;
        EXPECT_EQ(dp::parse_packet(zero, n, p), ParseStatus::truncated);
    }
}
