// A range of TCP / UDP ports, as a MUD entry (RFC 8519) or a policy names
// one: one closed interval, or every port but one (`neq`).  The default is
// every port.
#pragma once

#include <cstdint>
#include <string>

namespace spin {

struct PortRange {
    uint16_t lower = 0;
    uint16_t upper = 65535;
    bool negate = false;  // every port but `lower` (lower == upper)

    static PortRange only(uint16_t port) { return {port, port}; }
    bool any() const { return lower == 0 && upper == 65535 && !negate; }
    bool matches(uint16_t port) const { return (port >= lower && port <= upper) != negate; }
    // "443", "1024-65535", "!23", "any".
    std::string to_string() const;
    bool operator==(const PortRange&) const = default;
};

}  // namespace spin
