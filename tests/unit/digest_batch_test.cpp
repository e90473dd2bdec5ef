#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "proto/digest_batch.h"
#include "proto/flow_record_json.h"

using namespace spin::proto;

namespace {
FlowRecord sample() {
    FlowRecord r{};
    r.event = static_cast<uint8_t>(FlowEvent::end);
    r.end_reason = static_cast<uint8_t>(EndReason::fin);
    r.proto = 6;
    r.ip_version = 4;
    r.initiator = static_cast<uint8_t>(Initiator::lan);
    r.tcp_flags = tcp_flag::syn | tcp_flag::ack | tcp_flag::fin;
    r.icmp_type = kNoIcmpType;
    r.vlan = 10;
    const uint8_t mac[6] = {0x02, 0x53, 0x50, 0x49, 0x4e, 0x11};
    std::memcpy(r.mac, mac, 6);
    const uint8_t lan[4] = {10, 0, 0, 11}, rem[4] = {192, 0, 2, 10};
    std::memcpy(r.lan_ip, lan, 4);
    std::memcpy(r.remote_ip, rem, 4);
    r.lan_port = 50001;
    r.remote_port = 443;
    r.rule = 3;
    r.first_us = 1767225600000997;
    r.last_us = 1767225600123456;
    r.pkts_out = 9;
    r.bytes_out = 1234;
    r.pkts_in = 7;
    r.bytes_in = 5678;
    r.blocked_pkts = 1;
    r.blocked_bytes = 60;
    return r;
}
}  // namespace

TEST(DigestBatch, RoundTrip) {
    DigestBatchHeader h{42, 1767225500000000, 1767225600200000, "home-1"};
    const std::vector<FlowRecord> recs = {sample(), sample()};
    const std::vector<RuleName> rules = {{3, "camera quarantine"}};
    std::vector<uint8_t> bytes;
    encode_digest_batch(h, recs, rules, bytes);
    DigestBatch b;
    ASSERT_EQ(decode_digest_batch(bytes, b), "");
    EXPECT_EQ(b.header.seq, 42u);
    EXPECT_EQ(b.header.agent, "home-1");
    EXPECT_EQ(b.header.boot_us, h.boot_us);
    ASSERT_EQ(b.records.size(), 2u);
    EXPECT_EQ(std::memcmp(&b.records[1], &recs[1], sizeof(FlowRecord)), 0);
    EXPECT_EQ(b.rule_name(3), "camera quarantine");
    EXPECT_EQ(b.rule_name(4), "");
}

TEST(DigestBatch, EveryTruncationIsAnErrorNotACrash) {
    std::vector<uint8_t> bytes;
    encode_digest_batch({1, 2, 3, "a"}, std::vector<FlowRecord>{sample()}, std::vector<RuleName>{{3, "r"}}, bytes);
    DigestBatch b;
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
        EXPECT_NE(decode_digest_batch(cut, b), "") << "length " << n;
    }
    bytes.push_back(0);
    EXPECT_NE(decode_digest_batch(bytes, b), "");
}

TEST(DigestBatch, RejectsWrongMagicVersionAndLengths) {
    std::vector<uint8_t> bytes;
    encode_digest_batch({1, 2, 3, "agent"}, std::vector<FlowRecord>{sample()}, {}, bytes);
    DigestBatch b;
    auto bad = bytes;
    bad[0] = 'X';
    EXPECT_NE(decode_digest_batch(bad, b).find("magic"), std::string::npos);
    bad = bytes;
    bad[4] = 9;
    EXPECT_NE(decode_digest_batch(bad, b).find("version"), std::string::npos);
    bad = bytes;
    bad[32] = 0xff;  // record count
    EXPECT_NE(decode_digest_batch(bad, b).find("do not fit"), std::string::npos);
    bad = bytes;
    bad[36] = 100;  // record length below 128
    EXPECT_NE(decode_digest_batch(bad, b).find("record length"), std::string::npos);
}

TEST(DigestBatch, LongerRecordsFromNewerWritersAreRead) {
    // A future writer appends 8 bytes per record: readers take the known 128.
    std::vector<uint8_t> bytes;
    encode_digest_batch({7, 2, 3, "agent"}, std::vector<FlowRecord>{sample()}, {}, bytes);
    const size_t header_len = bytes[6] | bytes[7] << 8;
    bytes[36] = 136;
    bytes.insert(bytes.begin() + static_cast<long>(header_len + 128), 8, 0xee);
    DigestBatch b;
    ASSERT_EQ(decode_digest_batch(bytes, b), "");
    EXPECT_EQ(b.records[0].pkts_in, 7u);
}

TEST(FlowRecordJson, HasTheSpecFields) {
    const auto j = nlohmann::json::parse(flow_record_to_json(sample(), "home-1", "camera quarantine"));
    EXPECT_EQ(j["agent"], "home-1");
    EXPECT_EQ(j["event"], "end");
    EXPECT_EQ(j["mac"], "02:53:50:49:4e:11");
    EXPECT_EQ(j["vlan"], 10);
    EXPECT_EQ(j["proto"], 6);
    EXPECT_EQ(j["lan_ip"], "10.0.0.11");
    EXPECT_EQ(j["lan_port"], 50001);
    EXPECT_EQ(j["remote_ip"], "192.0.2.10");
    EXPECT_EQ(j["remote_port"], 443);
    EXPECT_EQ(j["initiator"], "lan");
    EXPECT_DOUBLE_EQ(j["first"].get<double>(), 1767225600.000997);
    EXPECT_DOUBLE_EQ(j["last"].get<double>(), 1767225600.123456);
    EXPECT_EQ(j["pkts_out"], 9);
    EXPECT_EQ(j["bytes_out"], 1234);
    EXPECT_EQ(j["pkts_in"], 7);
    EXPECT_EQ(j["bytes_in"], 5678);
    EXPECT_EQ(j["blocked_pkts"], 1);
    EXPECT_EQ(j["blocked_bytes"], 60);
    EXPECT_EQ(j["rule"], "camera quarantine");
    EXPECT_EQ(j["tcp_flags"], "SAF");
    EXPECT_EQ(j["end_reason"], "fin");
    EXPECT_FALSE(j.contains("icmp_type"));
}

TEST(FlowRecordJson, Ipv6AndHostileAgentId) {
    FlowRecord r = sample();
    r.ip_version = 6;
    r.event = static_cast<uint8_t>(FlowEvent::start);
    std::memset(r.lan_ip, 0, 16);
    r.lan_ip[0] = 0x20;
    r.lan_ip[1] = 0x01;
    r.lan_ip[15] = 1;
    std::memset(r.mac, 0, 6);
    const auto j = nlohmann::json::parse(flow_record_to_json(r, "a\"b\\\n\xff", ""));
    EXPECT_EQ(j["lan_ip"], "2001::1");
    EXPECT_EQ(j["mac"], "");
    EXPECT_FALSE(j.contains("end_reason"));
    EXPECT_EQ(j["agent"].get<std::string>().substr(0, 4), "a\"b\\");
}

// docs/protocol.md's worked example, decoded by the C++ reader.
TEST(DigestBatch, ProtocolDocWorkedExample) {
    std::ifstream in(std::string(SPIN_SOURCE_DIR) + "/docs/protocol.md");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();
    const auto hex_at = doc.find("```hex\n");
    const auto json_at = doc.find("```json\n");
    ASSERT_NE(hex_at, std::string::npos);
    ASSERT_NE(json_at, std::string::npos);
    std::istringstream hex(doc.substr(hex_at + 7, doc.find("```", hex_at + 7) - hex_at - 7));
    std::vector<uint8_t> bytes;
    for (std::string line; std::getline(hex, line);) {
        std::istringstream words(line.substr(line.find(':') + 1));
        for (std::string w; words >> w;) bytes.push_back(static_cast<uint8_t>(std::stoul(w, nullptr, 16)));
    }
    const std::string json = doc.substr(json_at + 8, doc.find("\n```", json_at + 8) - json_at - 8);
    DigestBatch b;
    ASSERT_EQ(decode_digest_batch(bytes, b), "");
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_EQ(b.header.seq, 2u);
    EXPECT_EQ(flow_record_to_json(b.records[0], b.header.agent, b.rule_name(b.records[0].rule)), json);
}
