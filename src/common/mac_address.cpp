#include "common/mac_address.h"

#include <cstring>

#include <nlohmann/json.hpp>

namespace spin {

namespace {
int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

MacAddress::MacAddress(const uint8_t bytes[6]) { std::memcpy(bytes_.data(), bytes, 6); }

std::optional<MacAddress> MacAddress::parse(std::string_view text, std::string* error) {
    MacAddress mac;
    bool ok = text.size() == 17 && (text[2] == ':' || text[2] == '-');
    for (size_t i = 0; ok && i < 6; ++i) {
        const int hi = hex_digit(text[i * 3]), lo = hex_digit(text[i * 3 + 1]);
        ok = hi >= 0 && lo >= 0 && (i == 5 || text[i * 3 + 2] == text[2]);
        mac.bytes_[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    if (ok) return mac;
    if (error != nullptr) *error = "'" + std::string(text.substr(0, 64)) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)";
    return std::nullopt;
}

std::string MacAddress::to_string() const {
    static const char digits[] = "0123456789abcdef";
    std::string out(17, ':');
    for (size_t i = 0; i < 6; ++i) {
        out[i * 3] = digits[bytes_[i] >> 4];
        out[i * 3 + 1] = digits[bytes_[i] & 0x0f];
    }
    return out;
}

void to_json(nlohmann::json& j, const MacAddress& mac) { j = mac.to_string(); }

void from_json(const nlohmann::json& j, MacAddress& mac) {
    std::string error;
    const auto parsed = MacAddress::parse(j.get<std::string>(), &error);
    if (!parsed) throw nlohmann::json::type_error::create(302, error, &j);
    mac = *parsed;
}

}  // namespace spin
