#include "common/ip_prefix.h"

#include <arpa/inet.h>

#include <cstring>

#include <nlohmann/json.hpp>

namespace spin {

IpPrefix::IpPrefix(uint8_t ip_version, const uint8_t* addr, uint8_t length) : version_(ip_version), length_(length) {
    const unsigned max = ip_version == 4 ? 32 : 128;
    if (length_ > max) length_ = static_cast<uint8_t>(max);
    std::memcpy(addr_.data(), addr, ip_version == 4 ? 4 : 16);
    for (unsigned bit = length_; bit < 128; ++bit) addr_[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* error) {
    const auto fail = [&](const std::string& why) -> std::optional<IpPrefix> {
        if (error != nullptr) *error = why;
        return std::nullopt;
    };
    const std::string shown(text.substr(0, 64));
    const auto slash = text.find('/');
    const std::string address(text.substr(0, slash));
    uint8_t bytes[16] = {};
    uint8_t version;
    if (inet_pton(AF_INET, address.c_str(), bytes) == 1)
        version = 4;
    else if (inet_pton(AF_INET6, address.c_str(), bytes) == 1)
        version = 6;
    else
        return fail("'" + shown + "' is not an IPv4 / IPv6 address or prefix (e.g. 198.51.100.0/24)");
    const unsigned max = version == 4 ? 32 : 128;
    unsigned length = max;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        bool ok = !digits.empty() && digits.size() <= 3;
        length = 0;
        for (char c : digits) {
            ok = ok && c >= '0' && c <= '9';
            length = length * 10 + static_cast<unsigned>(c - '0');
        }
        if (!ok || length > max) return fail("'" + shown + "': the prefix length must be 0.." + std::to_string(max));
    }
    return IpPrefix(version, bytes, static_cast<uint8_t>(length));
}

std::string IpPrefix::address_text() const {
    char buf[INET6_ADDRSTRLEN] = "";
    if (version_ != 0) inet_ntop(version_ == 6 ? AF_INET6 : AF_INET, addr_.data(), buf, sizeof buf);
    return buf;
}

std::string IpPrefix::to_string() const {
    return version_ == 0 ? std::string{} : address_text() + "/" + std::to_string(length_);
}

bool IpPrefix::contains(const uint8_t* addr, uint8_t ip_version) const {
    if (ip_version != version_) return false;
    const unsigned full = length_ / 8u, rest = length_ % 8u;
    if (std::memcmp(addr, addr_.data(), full) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff00u >> rest);
    return (addr[full] & mask) == addr_[full];
}

void to_json(nlohmann::json& j, const IpPrefix& prefix) { j = prefix.to_string(); }

void from_json(const nlohmann::json& j, IpPrefix& prefix) {
    std::string error;
    const auto parsed = IpPrefix::parse(j.get<std::string>(), &error);
    if (!parsed) throw nlohmann::json::type_error::create(302, error, &j);
    prefix = *parsed;
}

}  // namespace spin
