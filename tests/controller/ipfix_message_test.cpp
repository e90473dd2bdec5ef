// IPFIX messages (controller/export/ipfix_message.h): the framing RFC 7011
// sets (lengths, set boundaries, header fields) and RFC 5103's orientation of
// a biflow.  The field values are checked against collectors SPIN has no part
// in (nfdump, tshark) by tests/process/test_ipfix.py.
#include "controller/export/ipfix_message.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

namespace spin::controller::ipfix {
namespace {

uint16_t u16(const std::vector<uint8_t>& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t u32(const std::vector<uint8_t>& b, size_t at) { return uint32_t{u16(b, at)} << 16 | u16(b, at + 2); }
uint64_t u64(const std::vector<uint8_t>& b, size_t at) { return uint64_t{u32(b, at)} << 32 | u32(b, at + 4); }

proto::FlowRecord record(int version, proto::Initiator initiator) {
    proto::FlowRecord r{};
    r.event = static_cast<uint8_t>(proto::FlowEvent::update);
    r.proto = 6;
    r.ip_version = static_cast<uint8_t>(version);
    r.initiator = static_cast<uint8_t>(initiator);
    r.tcp_flags = 0x12;
    const uint8_t mac[6] = {0x02, 0x53, 0x50, 0x49, 0x4e, 0x11};
    std::memcpy(r.mac, mac, 6);
    if (version == 4) {
        inet_pton(AF_INET, "10.0.0.11", r.lan_ip);
        inet_pton(AF_INET, "192.0.2.7", r.remote_ip);
    } else {
        inet_pton(AF_INET6, "2001:db8::11", r.lan_ip);
        inet_pton(AF_INET6, "2001:db8:beef::7", r.remote_ip);
    }
    r.lan_port = 40000;
    r.remote_port = 443;
    r.first_us = 1'767'225'600'123'456;
    r.last_us = 1'767'225'601'654'321;
    return r;
}

nmf::TrafficCounters delta() {
    nmf::TrafficCounters d;
    d.pkts_out = 3, d.bytes_out = 300, d.pkts_in = 5, d.bytes_in = 5000, d.blocked_pkts = 1;
    return d;
}

// Offsets of a field in a record of the template.
size_t offset_of(TemplateId id, size_t index) {
    size_t at = 0;
    for (size_t i = 0; i < index; ++i) at += template_fields(id)[i].length;
    return at;
}

// A message holding one record; its data starts at kHeaderSize + kSetHeaderSize.
std::vector<uint8_t> one_record(int version, proto::Initiator initiator) {
    MessageBuilder b(1, 1400);
    EXPECT_TRUE(b.add_record(record(version, initiator), delta()));
    return b.finish(0, 0);
}

TEST(IpfixMessage, SetsAddUpToTheMessage) {
    MessageBuilder b(7, 1400);
    b.add_templates();
    ASSERT_TRUE(b.add_record(record(4, proto::Initiator::lan), delta()));
    ASSERT_TRUE(b.add_record(record(4, proto::Initiator::lan), delta()));
    ASSERT_TRUE(b.add_record(record(6, proto::Initiator::remote), delta()));
    ASSERT_TRUE(b.add_record(record(4, proto::Initiator::lan), delta()));
    EXPECT_EQ(b.records(), 4u);
    const auto m = b.finish(1'767'225'700, 42);
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(u16(m, 0), 10);
    EXPECT_EQ(u16(m, 2), m.size());
    EXPECT_EQ(u32(m, 4), 1'767'225'700u);
    EXPECT_EQ(u32(m, 8), 42u);
    EXPECT_EQ(u32(m, 12), 7u);
    std::vector<std::pair<uint16_t, uint16_t>> sets;  // id, length
    for (size_t at = kHeaderSize; at < m.size(); at += u16(m, at + 2)) {
        ASSERT_GE(u16(m, at + 2), kSetHeaderSize);
        sets.emplace_back(u16(m, at), u16(m, at + 2));
    }
    ASSERT_EQ(sets.size(), 4u);  // templates, two v4 records, one v6, one v4
    EXPECT_EQ(sets[0].first, kTemplateSetId);
    EXPECT_EQ(sets[1], std::make_pair(uint16_t{v4_lan_first}, uint16_t(4 + 2 * record_size(v4_lan_first))));
    EXPECT_EQ(sets[2], std::make_pair(uint16_t{v6_remote_first}, uint16_t(4 + record_size(v6_remote_first))));
    EXPECT_EQ(sets[3], std::make_pair(uint16_t{v4_lan_first}, uint16_t(4 + record_size(v4_lan_first))));
    // The template set: four templates, each its fields (8 bytes for a reverse one, with RFC 5103's PEN).
    size_t at = kHeaderSize + kSetHeaderSize;
    for (const TemplateId id : {v4_lan_first, v4_remote_first, v6_lan_first, v6_remote_first}) {
        EXPECT_EQ(u16(m, at), id);
        EXPECT_EQ(u16(m, at + 2), template_fields(id).size());
        at += 4;
        for (const Field& f : template_fields(id)) {
            EXPECT_EQ(u16(m, at) & 0x7fff, f.id);
            EXPECT_EQ(u16(m, at + 2), f.length);
            if (f.enterprise != 0) {
                EXPECT_TRUE(u16(m, at) & 0x8000);
                EXPECT_EQ(u32(m, at + 4), kReversePen);
            }
            at += f.enterprise != 0 ? 8 : 4;
        }
    }
    EXPECT_EQ(at, kHeaderSize + sets[0].second);
}

TEST(IpfixMessage, TheInitiatorIsTheSource) {
    const auto m = one_record(4, proto::Initiator::remote);
    const size_t r = kHeaderSize + kSetHeaderSize;
    EXPECT_EQ(u16(m, kHeaderSize), v4_remote_first);
    EXPECT_EQ(u64(m, r), 1'767'225'600'123u);                           // flowStartMilliseconds
    EXPECT_EQ(u64(m, r + 8), 1'767'225'601'654u);                       // flowEndMilliseconds
    EXPECT_EQ(u32(m, r + offset_of(v4_remote_first, 2)), 0xc0000207u);  // source: the remote 192.0.2.7
    EXPECT_EQ(u16(m, r + offset_of(v4_remote_first, 4)), 443);
    EXPECT_EQ(u64(m, r + offset_of(v4_remote_first, 8)), 5000u);  // forward octets: what the remote sent
    EXPECT_EQ(u64(m, r + offset_of(v4_remote_first, 11)), 3u);    // reverse packets: what the device sent
    EXPECT_EQ(u64(m, r + offset_of(v4_remote_first, 12)), 1u);    // dropped
    EXPECT_EQ(template_fields(v4_remote_first)[13].id, 80);       // the device is the destination MAC
    EXPECT_EQ(m[r + offset_of(v4_remote_first, 13)], 0x02);
    EXPECT_EQ(m[r + offset_of(v4_remote_first, 16)], 1);  // biflowDirection: initiator
}

TEST(IpfixMessage, AnUnknownInitiatorPutsTheHomeFirst) {
    const auto m = one_record(6, proto::Initiator::unknown);
    const size_t r = kHeaderSize + kSetHeaderSize;
    EXPECT_EQ(u16(m, kHeaderSize), v6_lan_first);
    EXPECT_EQ(m[r + offset_of(v6_lan_first, 2)], 0x20);  // 2001:db8::11, the LAN side
    EXPECT_EQ(m[r + offset_of(v6_lan_first, 2) + 15], 0x11);
    EXPECT_EQ(u64(m, r + offset_of(v6_lan_first, 8)), 300u);
    EXPECT_EQ(m[r + offset_of(v6_lan_first, 16)], 3);  // biflowDirection: perimeter
}

TEST(IpfixMessage, AFullMessageRefusesTheRecord) {
    MessageBuilder b(1, 512);
    size_t n = 0;
    while (b.add_record(record(4, proto::Initiator::lan), delta())) ++n;
    EXPECT_EQ(n, (512 - kHeaderSize - kSetHeaderSize) / record_size(v4_lan_first));
    EXPECT_LE(b.size(), 512u);
    EXPECT_EQ(b.records(), n);
    EXPECT_THROW(b.add_templates(), std::logic_error);  // templates go first
    EXPECT_THROW(MessageBuilder(1, 100), std::invalid_argument);
}

}  // namespace
}  // namespace spin::controller::ipfix
