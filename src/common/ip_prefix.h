// An IPv4 or IPv6 prefix in canonical form: the host bits are always clear,
// so "10.0.0.1/24" and "10.0.0.0/24" are the same value with the same text,
// and a bare address is its full-length prefix ("10.0.0.1" is
// "10.0.0.1/32").  Rules, the monitor's LAN prefixes, the API and the
// dataplane's tables all use this one type.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace spin {

class IpPrefix {
public:
    IpPrefix() = default;  // no prefix: version() == 0
    // `addr` holds 4 (IPv4) or 16 bytes; bits past `length` are cleared.
    IpPrefix(uint8_t ip_version, const uint8_t* addr, uint8_t length);
    // The full-length prefix of one address.
    static IpPrefix host(uint8_t ip_version, const uint8_t* addr) {
        return IpPrefix(ip_version, addr, ip_version == 4 ? 32 : 128);
    }

    // "192.0.2.0/24", "2001:db8::/32" or a bare address.  nullopt, and a
    // sentence in *error, if it is none of these.
    static std::optional<IpPrefix> parse(std::string_view text, std::string* error = nullptr);

    // Address "/" length, always with the length: "10.0.0.1/32".
    std::string to_string() const;
    // Just the address: "10.0.0.1" (what a full-length prefix names).
    std::string address_text() const;

    uint8_t version() const { return version_; }
    uint8_t length() const { return length_; }
    // 16 bytes; an IPv4 prefix uses the first 4, the rest are zero.
    const uint8_t* bytes() const { return addr_.data(); }
    bool is_host() const { return version_ != 0 && length_ == (version_ == 4 ? 32 : 128); }
    bool empty() const { return version_ == 0; }

    // Whether the address `addr` (4 or 16 bytes) of `ip_version` lies inside.
    bool contains(const uint8_t* addr, uint8_t ip_version) const;

    auto operator<=>(const IpPrefix&) const = default;

private:
    uint8_t version_ = 0;
    uint8_t length_ = 0;
    std::array<uint8_t, 16> addr_{};
};

// JSON: the canonical text.  Reading throws nlohmann::json::type_error on
// anything else (use parse() where the text is untrusted).
void to_json(nlohmann::json& j, const IpPrefix& prefix);
void from_json(const nlohmann::json& j, IpPrefix& prefix);

}  // namespace spin
