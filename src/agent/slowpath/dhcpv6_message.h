// DHCPv6 (RFC 8415) for the agent's slow path: message type, client DUID,
// fully qualified name (39), DNS servers (23), MUD URL (112, RFC 8520), addresses in IA_NA /
// IA_TA, unwrapping relay messages.  Untrusted input: bounds-checked, fuzzed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spin::slowpath {

struct Dhcpv6Message {
    uint8_t type = 0;  // 1 solicit, 2 advertise, 3 request, 7 reply, ...
    uint32_t transaction = 0;
    std::vector<uint8_t> client_duid;
    std::string fqdn;  // option 39, DNS-encoded name made dotted
    std::string mud_url;
    std::vector<std::array<uint8_t, 16>> addresses;    // IA address options inside IA_NA / IA_TA
    std::vector<std::array<uint8_t, 16>> dns_servers;  // option 23, in a server's advertise / reply
};

// Parses a DHCPv6 UDP payload; relay-forward / relay-reply messages are
// unwrapped to the client message inside.  Returns "" or what is wrong.
std::string parse_dhcpv6(const uint8_t* data, size_t len, Dhcpv6Message& out);

}  // namespace spin::slowpath
