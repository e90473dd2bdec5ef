#include "agent/slowpath/dhcpv6_message.h"

#include <cstring>

#include <fmt/format.h>

namespace spin::slowpath {

namespace {

constexpr int kMaxRelayDepth = 8;  // RFC 8415 HOP_COUNT_LIMIT is 8
constexpr int kMaxNesting = 4;     // IA -> IA address -> status: deeper is not DHCPv6

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

std::string dns_name(const uint8_t* p, size_t len) {
    std::string name;
    for (size_t i = 0; i < len;) {
        const size_t n = p[i];
        if (n == 0 || i + 1 + n > len) break;
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(p + i + 1), n);
        i += 1 + n;
    }
    return name;
}

std::string options(const uint8_t* p, size_t len, Dhcpv6Message& out, int depth, int relay_depth);

std::string message(const uint8_t* p, size_t len, Dhcpv6Message& out, int relay_depth) {
    if (len < 4) return "DHCPv6 message shorter than its header";
    const uint8_t type = p[0];
    if (type == 12 || type == 13) {  // relay-forward / relay-reply
        if (relay_depth >= kMaxRelayDepth) return "relay messages nested too deep";
        if (len < 34) return "relay message shorter than its header";
        return options(p + 34, len - 34, out, 0, relay_depth + 1);
    }
    out.type = type;
    out.transaction = uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    return options(p + 4, len - 4, out, 0, relay_depth);
}

std::string options(const uint8_t* p, size_t len, Dhcpv6Message& out, int depth, int relay_depth) {
    if (depth > kMaxNesting) return "options nested too deep";
    for (size_t i = 0; i < len;) {
        if (len - i < 4) return "option header cut short";
        const uint16_t code = be16(p + i);
        const size_t n = be16(p + i + 2);
        const uint8_t* v = p + i + 4;
        if (n > len - i - 4) return fmt::format("option {} runs past its container", code);
        switch (code) {
        case 1: out.client_duid.assign(v, v + n); break;
        case 3:  // IA_NA: IAID, T1, T2, then options
            if (n < 12) return "IA_NA shorter than 12 bytes";
            if (auto e = options(v + 12, n - 12, out, depth + 1, relay_depth); !e.empty()) return e;
            break;
        case 4:  // IA_TA: IAID, then options
            if (n < 4) return "IA_TA shorter than 4 bytes";
            if (auto e = options(v + 4, n - 4, out, depth + 1, relay_depth); !e.empty()) return e;
            break;
        case 5:  // IA address: address, lifetimes, then options
            if (n < 24) return "IA address shorter than 24 bytes";
            out.addresses.emplace_back();
            std::memcpy(out.addresses.back().data(), v, 16);
            break;
        case 9:  // relay message
            if (auto e = message(v, n, out, relay_depth); !e.empty()) return e;
            break;
        case 39:  // client FQDN: flags, then a DNS-encoded name
            if (n >= 1) out.fqdn = dns_name(v + 1, n - 1);
            break;
        case 23:  // DNS recursive name servers (RFC 3646)
            if (n == 0 || n % 16 != 0) return fmt::format("DNS server option of {} bytes", n);
            for (size_t k = 0; k < n; k += 16) {
                out.dns_servers.emplace_back();
                std::memcpy(out.dns_servers.back().data(), v + k, 16);
            }
            break;
        case 112: out.mud_url.assign(reinterpret_cast<const char*>(v), n); break;
        default: break;
        }
        i += 4 + n;
    }
    return {};
}

}  // namespace

std::string parse_dhcpv6(const uint8_t* data, size_t len, Dhcpv6Message& out) {
    out = Dhcpv6Message{};
    return message(data, len, out, 0);
}

}  // namespace spin::slowpath
