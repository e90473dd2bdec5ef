#include <gtest/gtest.h>

#include "agent/slowpath/dns_message.h"
#include "packet_builder.h"

using namespace spin;
using namespace spin::slowpath;

namespace {
using Bytes = std::vector<uint8_t>;

// A response for www.example.com: CNAME -> edge.cdn.example (compressed
// against the question), then two A records for the CNAME target.
Bytes cname_response() {
    Bytes m = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0};
    const Bytes q = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    m.insert(m.end(), q.begin(), q.end());
    // answer 1: name -> pointer to 12, CNAME, ttl 600, rdata "edge.cdn" + pointer to "example.com" (offset 16)
    const Bytes a1 = {0xc0, 12, 0, 5, 0, 1, 0, 0, 2, 88, 0, 11, 4, 'e', 'd', 'g', 'e', 3, 'c', 'd', 'n', 0xc0, 16};
    m.insert(m.end(), a1.begin(), a1.end());
    const uint8_t target = 12 + static_cast<uint8_t>(q.size()) + 12;  // where "edge" starts
    for (uint8_t last : {7, 8}) {
        const Bytes a = {0xc0, target, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, last};
        m.insert(m.end(), a.begin(), a.end());
    }
    return m;
}
}  // namespace

TEST(Dns, QueryAndCnameChain) {
    DnsMessage m;
    const Bytes bytes = cname_response();
    ASSERT_EQ(parse_dns(bytes.data(), bytes.size(), m), "");
    EXPECT_TRUE(m.response);
    EXPECT_EQ(m.id, 0x1234);
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0].name, "www.example.com");
    ASSERT_EQ(m.answers.size(), 3u);
    EXPECT_EQ(m.answers[0].cname, "edge.cdn.example.com");
    EXPECT_EQ(m.answers[1].name, "edge.cdn.example.com");
    const auto b = dns_bindings(m);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[0].name, "www.example.com");
    EXPECT_EQ(b[0].ttl, 60u);  // the shortest TTL along the chain
    EXPECT_EQ(b[0].via, std::vector<std::string>{"edge.cdn.example.com"});
    EXPECT_EQ(b[1].addr[3], 8);
}

TEST(Dns, GeneratedAaaaAnswer) {
    const auto ip = gen::Ip::v6("2001:db8::20");
    const auto bytes = gen::dns_answer(7, "Video.CAM.example", 28, ip, 300);
    DnsMessage m;
    ASSERT_EQ(parse_dns(bytes.data(), bytes.size(), m), "");
    const auto b = dns_bindings(m);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].name, "video.cam.example");  // case folded
    EXPECT_EQ(b[0].ip_version, 6);
    EXPECT_EQ(b[0].addr[15], 0x20);
}

TEST(Dns, NxdomainAndQueriesBindNothing) {
    Bytes bytes = cname_response();
    bytes[3] = 0x83;  // rcode 3
    DnsMessage m;
    ASSERT_EQ(parse_dns(bytes.data(), bytes.size(), m), "");
    EXPECT_EQ(m.rcode, kDnsRcodeNxdomain);
    EXPECT_TRUE(dns_bindings(m).empty());
    const auto q = gen::dns_query(1, "a.example", 1);
    ASSERT_EQ(parse_dns(q.data(), q.size(), m), "");
    EXPECT_FALSE(m.response);
    EXPECT_TRUE(dns_bindings(m).empty());
}

TEST(Dns, EveryTruncationIsAnErrorNotACrash) {
    const Bytes bytes = cname_response();
    DnsMessage m;
    for (size_t n = 0; n < bytes.size(); ++n) EXPECT_NE(parse_dns(bytes.data(), n, m), "") << n;
}

TEST(Dns, CompressionLoopsAndForwardPointersAreRejected) {
    Bytes self = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};  // points at itself
    DnsMessage m;
    EXPECT_NE(parse_dns(self.data(), self.size(), m).find("forward"), std::string::npos);
    Bytes ahead = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 16, 0, 1, 0, 1, 0};
    EXPECT_NE(parse_dns(ahead.data(), ahead.size(), m), "");
    Bytes label_type = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 1, 0, 1};
    EXPECT_NE(parse_dns(label_type.data(), label_type.size(), m), "");
}

TEST(Dns, LongNamesAndHostileCounts) {
    Bytes m = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 5; ++i) {
        m.push_back(63);
        m.insert(m.end(), 63, 'a');
    }
    m.insert(m.end(), {0, 0, 1, 0, 1});
    DnsMessage out;
    EXPECT_NE(parse_dns(m.data(), m.size(), out).find("255"), std::string::npos);
    Bytes many = {0, 1, 0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    EXPECT_NE(parse_dns(many.data(), many.size(), out), "");
}

TEST(Dns, CnameLoopEndsTheChain) {
    // a -> b, b -> a, plus an A for a: the chain stops, nothing hangs.
    Bytes m = {0, 1, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
    const Bytes a_to_b = {0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 9, 0, 3, 1, 'b', 0};
    m.insert(m.end(), a_to_b.begin(), a_to_b.end());
    const uint8_t b_at = static_cast<uint8_t>(m.size() - 3);
    const Bytes b_to_a = {0xc0, b_at, 0, 5, 0, 1, 0, 0, 0, 9, 0, 2, 0xc0, 12};
    m.insert(m.end(), b_to_a.begin(), b_to_a.end());
    DnsMessage out;
    ASSERT_EQ(parse_dns(m.data(), m.size(), out), "");
    EXPECT_TRUE(dns_bindings(out).empty());
}

TEST(Dns, TcpFraming) {
    const auto q1 = gen::dns_query(1, "a.example", 1), q2 = gen::dns_query(2, "b.example", 28);
    Bytes stream;
    for (const auto* q : {&q1, &q2}) {
        stream.push_back(static_cast<uint8_t>(q->size() >> 8));
        stream.push_back(static_cast<uint8_t>(q->size()));
        stream.insert(stream.end(), q->begin(), q->end());
    }
    std::vector<DnsMessage> ms;
    ASSERT_EQ(parse_dns_tcp(stream.data(), stream.size(), ms), "");
    ASSERT_EQ(ms.size(), 2u);
    EXPECT_EQ(ms[1].questions[0].name, "b.example");
    ms.clear();
    EXPECT_NE(parse_dns_tcp(stream.data(), stream.size() - 1, ms), "");
    EXPECT_EQ(ms.size(), 1u);  // the complete first message is kept
}
