// DHCPv6 and LLDP: the parsers the agent learns MUD URLs from.
#include <gtest/gtest.h>

#include "agent/slowpath/dhcpv6_message.h"
#include "agent/slowpath/lldp_message.h"

using namespace spin::slowpath;
using Bytes = std::vector<uint8_t>;

namespace {
Bytes option(uint16_t code, const Bytes& v) {
    Bytes b{static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code), static_cast<uint8_t>(v.size() >> 8),
            static_cast<uint8_t>(v.size())};
    b.insert(b.end(), v.begin(), v.end());
    return b;
}

Bytes solicit() {
    Bytes m{1, 0xab, 0xcd, 0xef};
    for (const Bytes& o :
         {option(1, {0, 3, 0, 1, 2, 0, 0, 0, 0, 9}), option(112, {'h', 't', 't', 'p', 's', ':', '/', '/', 'x'}),
          option(39, {1, 3, 'c', 'a', 'm', 0})})
        m.insert(m.end(), o.begin(), o.end());
    return m;
}

Bytes tlv(unsigned type, const Bytes& v) {
    Bytes b{static_cast<uint8_t>(type << 1 | v.size() >> 8), static_cast<uint8_t>(v.size())};
    b.insert(b.end(), v.begin(), v.end());
    return b;
}
}  // namespace

TEST(Dhcpv6, SolicitWithDuidMudUrlAndName) {
    const Bytes m = solicit();
    Dhcpv6Message out;
    ASSERT_EQ(parse_dhcpv6(m.data(), m.size(), out), "");
    EXPECT_EQ(out.type, 1);
    EXPECT_EQ(out.transaction, 0xabcdefu);
    EXPECT_EQ(out.client_duid.size(), 10u);
    EXPECT_EQ(out.mud_url, "https://x");
    EXPECT_EQ(out.fqdn, "cam");
}

TEST(Dhcpv6, RelayIsUnwrappedAndAddressesFound) {
    Bytes ia{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    Bytes addr(16, 0);
    addr[0] = 0x20;
    addr[15] = 7;
    addr.insert(addr.end(), 8, 0);
    const Bytes a = option(5, addr);
    ia.insert(ia.end(), a.begin(), a.end());
    Bytes reply{7, 0, 0, 1};
    const Bytes o = option(3, ia);
    reply.insert(reply.end(), o.begin(), o.end());
    Bytes relay{13, 0};
    relay.insert(relay.end(), 32, 0);
    const Bytes inner = option(9, reply);
    relay.insert(relay.end(), inner.begin(), inner.end());
    Dhcpv6Message out;
    ASSERT_EQ(parse_dhcpv6(relay.data(), relay.size(), out), "");
    EXPECT_EQ(out.type, 7);
    ASSERT_EQ(out.addresses.size(), 1u);
    EXPECT_EQ(out.addresses[0][15], 7);
}

TEST(Dhcpv6, HostileLengthsAndNesting) {
    Bytes m = solicit();
    Dhcpv6Message out;
    for (size_t n = 0; n < 4; ++n) EXPECT_NE(parse_dhcpv6(m.data(), n, out), "");
    m[7] = 0xff;  // client id claims 255 bytes
    EXPECT_NE(parse_dhcpv6(m.data(), m.size(), out).find("runs past"), std::string::npos);
    // Relays nested past the hop limit.
    Bytes msg = solicit();
    for (int i = 0; i < 10; ++i) {
        Bytes relay{12, 0};
        relay.insert(relay.end(), 32, 0);
        const Bytes inner = option(9, msg);
        relay.insert(relay.end(), inner.begin(), inner.end());
        msg = relay;
    }
    EXPECT_NE(parse_dhcpv6(msg.data(), msg.size(), out).find("deep"), std::string::npos);
}

TEST(Lldp, MudUrlTlv) {
    Bytes pdu;
    for (const Bytes& t : {tlv(1, {4, 2, 0, 0, 0, 0, 1}), tlv(2, {3, 2, 0, 0, 0, 0, 1}), tlv(3, {0, 120}),
                           tlv(5, {'c', 'a', 'm'}), tlv(127, {0x00, 0x12, 0x0f, 1, 'x'}),
                           tlv(127, {0x00, 0x00, 0x5e, 1, 'h', 't', 't', 'p', 's', ':', '/', '/', 'm'}), tlv(0, {})})
        pdu.insert(pdu.end(), t.begin(), t.end());
    LldpMessage m;
    ASSERT_EQ(parse_lldp(pdu.data(), pdu.size(), m), "");
    EXPECT_EQ(m.system_name, "cam");
    EXPECT_EQ(m.mud_url, "https://m");  // the IEEE 802.3 TLV (OUI 00-12-0F) is not a MUD URL
    EXPECT_EQ(m.chassis_id.size(), 7u);
    for (size_t n = 0; n + 2 < pdu.size(); ++n) EXPECT_NE(parse_lldp(pdu.data(), n, m), "") << n;
    pdu[1] = 0xff;  // first TLV claims 255 bytes
    EXPECT_NE(parse_lldp(pdu.data(), pdu.size(), m), "");
}
