// LLDP (IEEE 802.1AB) for the agent's slow path: chassis id, system name and
// the MUD URL TLV (organisationally specific, IANA OUI 00-00-5E, subtype 1;
// RFC 8520 section 4).  Untrusted input: bounds-checked, fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spin::slowpath {

struct LldpMessage {
    std::vector<uint8_t> chassis_id;  // subtype byte first
    std::string system_name;
    std::string mud_url;
};

// Parses an LLDPDU (the payload after the Ethernet header).  Returns "" or what is wrong.
std::string parse_lldp(const uint8_t* data, size_t len, LldpMessage& out);

}  // namespace spin::slowpath
