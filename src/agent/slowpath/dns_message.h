// DNS message parser for the agent's slow path (RFC 1035): questions and
// answers, name compression with loop protection, CNAME chains, A / AAAA with
// TTL, response codes, TCP length framing.  Input is untrusted: every read is
// bounds-checked and failures are reported, never trusted (fuzzed in
// tests/fuzz/fuzz_dns.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace spin::slowpath {

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeCname = 5;
inline constexpr uint16_t kDnsTypePtr = 12;
inline constexpr uint16_t kDnsTypeSrv = 33;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint8_t kDnsRcodeNxdomain = 3;

struct DnsQuestion {
    std::string
        name;  // ASCII lower-cased, dot-separated, no trailing dot; control bytes, '.' and '\\' in a label as \DDD
    uint16_t type = 0;
};

struct DnsAnswer {
    std::string name;
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string cname;               // CNAME target
    std::string target;              // PTR name, SRV target host
    uint16_t port = 0;               // SRV port
    uint8_t ip_version = 0;          // 4 (A) or 6 (AAAA), 0 otherwise
    std::array<uint8_t, 16> addr{};  // IPv4 in the first 4 bytes
};

struct DnsMessage {
    uint16_t id = 0;
    bool response = false;
    bool truncated = false;  // TC bit: the answer was cut, the client retries over TCP
    uint8_t rcode = 0;
    std::vector<DnsQuestion> questions;
    std::vector<DnsAnswer> answers;  // answer section
    // Authority and additional records (mDNS announcements carry SRV and
    // addresses there).  Read leniently: a bad record ends the list without
    // failing the message, since the answers alone make it useful.
    std::vector<DnsAnswer> additional;
};

// What a response taught: `name` (as the client asked it) resolves to `addr`
// until ttl seconds from now, following CNAME chains within the message.
struct DnsBinding {
    std::string name;
    std::vector<std::string> via;  // CNAMEs crossed, in order
    uint8_t ip_version = 0;
    std::array<uint8_t, 16> addr{};
    uint32_t ttl = 0;  // smallest TTL along the chain
};

// Parses one DNS message.  Returns "" or what is wrong.
std::string parse_dns(const uint8_t* data, size_t len, DnsMessage& out);

// Splits DNS-over-TCP bytes (2-byte length prefixes) into messages and parses
// each.  Returns "" or what is wrong with the first bad one; `out` holds the
// messages before it.
std::string parse_dns_tcp(const uint8_t* data, size_t len, std::vector<DnsMessage>& out);

// The name -> address bindings of a response (empty for queries and errors).
std::vector<DnsBinding> dns_bindings(const DnsMessage& m);

}  // namespace spin::slowpath
