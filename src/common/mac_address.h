// A device's Ethernet address: the key of every per-device rule, of the
// device model and of the API's routes.  One parser, one text form.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace spin {

class MacAddress {
public:
    MacAddress() = default;  // 00:00:00:00:00:00
    explicit MacAddress(const uint8_t bytes[6]);
    explicit MacAddress(const std::array<uint8_t, 6>& bytes) : bytes_(bytes) {}

    // "aa:bb:cc:dd:ee:ff" or "AA-BB-CC-DD-EE-FF" (one separator throughout,
    // either case).  nullopt, and a sentence in *error, if it is not one.
    static std::optional<MacAddress> parse(std::string_view text, std::string* error = nullptr);

    // Lower case, colons: the canonical form everywhere.
    std::string to_string() const;
    // The six bytes as a big-endian integer: sorts like the text form.
    uint64_t to_u64() const { return to_u64(bytes_.data()); }
    static MacAddress from_u64(uint64_t v) {
        std::array<uint8_t, 6> b{};
        for (int i = 5; i >= 0; --i, v >>= 8) b[i] = static_cast<uint8_t>(v);
        return MacAddress(b);
    }
    // The same of six bytes in a frame (the dataplane's table key).
    static uint64_t to_u64(const uint8_t* mac) {
        uint64_t v = 0;
        for (int i = 0; i < 6; ++i) v = v << 8 | mac[i];
        return v;
    }

    bool is_zero() const { return to_u64() == 0; }
    // A multicast or broadcast address: never a device of its own.
    bool is_group() const { return is_group(bytes_.data()); }
    static bool is_group(const uint8_t* mac) { return (mac[0] & 0x01) != 0; }

    const uint8_t* data() const { return bytes_.data(); }
    const std::array<uint8_t, 6>& bytes() const { return bytes_; }

    auto operator<=>(const MacAddress&) const = default;

private:
    std::array<uint8_t, 6> bytes_{};
};

// JSON: the canonical text; reading throws nlohmann::json::type_error on
// anything else (use parse() where the text is untrusted).
void to_json(nlohmann::json& j, const MacAddress& mac);
void from_json(const nlohmann::json& j, MacAddress& mac);

}  // namespace spin
