// SSDP (UPnP device architecture 1.1, section 1): the HTTP-over-UDP messages
// devices use to announce themselves (NOTIFY), to search (M-SEARCH) and to
// answer searches (HTTP/1.1 200).  Keeps the headers that say what a device
// is.  Untrusted input: bounded, fuzzed (tests/fuzz/fuzz_discovery.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace spin::slowpath {

struct SsdpMessage {
    std::string method;    // "notify", "m-search" or "response"
    std::string server;    // SERVER (or USER-AGENT for searches): OS, UPnP version, product
    std::string type;      // NT (notify) or ST (search, response): device or service type
    std::string nts;       // ssdp:alive, ssdp:byebye, ssdp:update
    std::string usn;       // unique service name, "uuid:..."
    std::string location;  // URL of the device description
};

// Parses a UDP payload.  Returns "" or what is wrong.
std::string parse_ssdp(const uint8_t* data, size_t len, SsdpMessage& out);

}  // namespace spin::slowpath
