#include "agent/slowpath/dhcp_message.h"

#include <cstring>
#include <map>

#include <fmt/format.h>

namespace spin::slowpath {

namespace {

constexpr size_t kFixed = 236;  // BOOTP header up to the options
constexpr size_t kSnameAt = 44, kSnameLen = 64, kFileAt = 108, kFileLen = 128;
constexpr uint8_t kCookie[4] = {99, 130, 83, 99};

// Collects options from one area; repeated codes are concatenated (RFC 3396).
std::string read_options(const uint8_t* p, size_t len, std::map<uint8_t, std::vector<uint8_t>>& opts,
                         const char* where) {
    size_t i = 0;
    while (i < len) {
        const uint8_t code = p[i];
        if (code == 0) {  // pad
            ++i;
            continue;
        }
        if (code == 255) return {};
        if (i + 1 >= len) return fmt::format("option {} in {} has no length", code, where);
        const size_t n = p[i + 1];
        if (i + 2 + n > len) return fmt::format("option {} in {} runs past its end", code, where);
        auto& v = opts[code];
        v.insert(v.end(), p + i + 2, p + i + 2 + n);
        i += 2 + n;
    }
    return {};  // no end option: tolerated, as most stacks do
}

std::string text(const std::vector<uint8_t>& v) {
    // Many clients include the terminating NUL in the length; drop trailing NULs.
    size_t n = v.size();
    while (n > 0 && v[n - 1] == 0) --n;
    return std::string(v.begin(), v.begin() + static_cast<long>(n));
}

std::optional<std::array<uint8_t, 4>> ipv4(const std::map<uint8_t, std::vector<uint8_t>>& o, uint8_t code) {
    auto it = o.find(code);
    if (it == o.end() || it->second.size() != 4) return std::nullopt;
    std::array<uint8_t, 4> a;
    std::memcpy(a.data(), it->second.data(), 4);
    return a;
}

}  // namespace

std::string DhcpMessage::fingerprint() const {
    std::string s;
    for (uint8_t p : parameter_requests) s += (s.empty() ? "" : ",") + std::to_string(p);
    return s;
}

std::string parse_dhcp(const uint8_t* m, size_t len, DhcpMessage& out) {
    out = DhcpMessage{};
    if (len < kFixed + 4) return fmt::format("{} bytes is shorter than a DHCP message", len);
    out.op = m[0];
    if (out.op != 1 && out.op != 2) return fmt::format("op {} is neither request nor reply", out.op);
    if (m[1] != 1 || m[2] != 6) return fmt::format("hardware type {} / length {} is not Ethernet", m[1], m[2]);
    out.xid = uint32_t{m[4]} << 24 | uint32_t{m[5]} << 16 | uint32_t{m[6]} << 8 | m[7];
    std::memcpy(out.ciaddr.data(), m + 12, 4);
    std::memcpy(out.yiaddr.data(), m + 16, 4);
    std::memcpy(out.client_mac.data(), m + 28, 6);
    if (std::memcmp(m + kFixed, kCookie, 4) != 0) return "no DHCP magic cookie (plain BOOTP)";
    std::map<uint8_t, std::vector<uint8_t>> opts;
    if (auto err = read_options(m + kFixed + 4, len - kFixed - 4, opts, "options"); !err.empty()) return err;
    if (auto o = opts.find(52); o != opts.end() && o->second.size() == 1) {
        const uint8_t overload = o->second[0];
        if (overload & 1)
            if (auto err = read_options(m + kFileAt, kFileLen, opts, "file"); !err.empty()) return err;
        if (overload & 2)
            if (auto err = read_options(m + kSnameAt, kSnameLen, opts, "sname"); !err.empty()) return err;
    }
    if (auto o = opts.find(53); o != opts.end()) {
        if (o->second.size() != 1) return fmt::format("message type option of {} bytes", o->second.size());
        out.message_type = o->second[0];
    }
    if (auto o = opts.find(12); o != opts.end()) out.hostname = text(o->second);
    if (auto o = opts.find(60); o != opts.end()) out.vendor_class = text(o->second);
    if (auto o = opts.find(55); o != opts.end()) out.parameter_requests = o->second;
    if (auto o = opts.find(61); o != opts.end()) out.client_id = o->second;
    if (auto o = opts.find(161); o != opts.end()) out.mud_url = text(o->second);
    if (auto o = opts.find(51); o != opts.end() && o->second.size() == 4)
        out.lease_seconds =
            uint32_t{o->second[0]} << 24 | uint32_t{o->second[1]} << 16 | uint32_t{o->second[2]} << 8 | o->second[3];
    out.requested_ip = ipv4(opts, 50);
    out.server_id = ipv4(opts, 54);
    if (auto o = opts.find(6); o != opts.end()) {
        if (o->second.empty() || o->second.size() % 4 != 0)
            return fmt::format("DNS server option of {} bytes", o->second.size());
        for (size_t i = 0; i < o->second.size(); i += 4) {
            std::array<uint8_t, 4> a;
            std::memcpy(a.data(), o->second.data() + i, 4);
            out.dns_servers.push_back(a);
        }
    }
    return {};
}

const char* dhcp_message_type_name(uint8_t t) {
    static const char* names[] = {"", "discover", "offer", "request", "decline", "ack", "nak", "release", "inform"};
    return t < sizeof names / sizeof names[0] ? names[t] : "other";
}

}  // namespace spin::slowpath
