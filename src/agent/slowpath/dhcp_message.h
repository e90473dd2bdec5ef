// DHCPv4 message parser for the agent's slow path (RFC 2131 / 2132): who the
// client is and what it says of itself — message type (53), client MAC,
// hostname (12), vendor class (60), parameter request list (55, the
// fingerprint), client id (61), requested (50) and assigned addresses, lease
// time (51), server id (54), DNS servers (6), MUD URL (161, RFC 8520).  Option overload (52)
// and split options (RFC 3396) are handled.  Input is untrusted: bounds-checked
// and fuzzed (tests/fuzz/fuzz_dhcp.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spin::slowpath {

struct DhcpMessage {
    uint8_t op = 0;  // 1 request (client), 2 reply (server)
    uint32_t xid = 0;
    std::array<uint8_t, 6> client_mac{};
    std::array<uint8_t, 4> ciaddr{}, yiaddr{};  // yiaddr: the address offered / assigned
    uint8_t message_type = 0;                   // 1 discover, 2 offer, 3 request, 5 ack, 6 nak, ...; 0 if absent
    std::string hostname;
    std::string vendor_class;
    std::vector<uint8_t> parameter_requests;
    std::vector<uint8_t> client_id;
    std::optional<std::array<uint8_t, 4>> requested_ip;
    std::optional<std::array<uint8_t, 4>> server_id;
    std::optional<uint32_t> lease_seconds;
    std::vector<std::array<uint8_t, 4>> dns_servers;  // option 6, in a server's offer / ack
    std::string mud_url;

    // The parameter request list as "1,3,6,15": the usual DHCP fingerprint.
    std::string fingerprint() const;
};

// Parses the UDP payload of a DHCPv4 message.  Returns "" or what is wrong.
std::string parse_dhcp(const uint8_t* data, size_t len, DhcpMessage& out);

const char* dhcp_message_type_name(uint8_t type);

}  // namespace spin::slowpath
