// A DNS name as rules and policies name it, in canonical form: lower case,
// no trailing dot, labels of letters, digits, '-' and '_' (1..63 bytes,
// 253 in all).  A pattern may also be "*." and a name: the names under it
// but not the name itself; a plain name covers itself and every name under
// it.  Names read off the wire are plain strings; covers() matches them.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace spin {

class DnsName {
public:
    DnsName() = default;  // empty: no name

    // A name ("Example.COM." reads as "example.com").  nullopt, and a
    // sentence in *error, if it is not one.
    static std::optional<DnsName> parse(std::string_view text, std::string* error = nullptr);
    // A name, or "*." and a name.
    static std::optional<DnsName> parse_pattern(std::string_view text, std::string* error = nullptr);

    const std::string& to_string() const { return text_; }
    bool empty() const { return text_.empty(); }
    bool wildcard() const { return text_.rfind("*.", 0) == 0; }

    // Whether `name` (as a DNS message spells it, any case, with or without
    // the trailing dot) is this name or under it ("*.": only under it).
    bool covers(std::string_view name) const;
    // Whether `name` (as covers() takes it) is this name itself, not one
    // under it: a MUD file's DNS name is one host's.
    bool is(std::string_view name) const;

    auto operator<=>(const DnsName&) const = default;

private:
    std::string text_;
};

// JSON: the canonical text; reading accepts patterns and throws
// nlohmann::json::type_error on anything else.
void to_json(nlohmann::json& j, const DnsName& name);
void from_json(const nlohmann::json& j, DnsName& name);

}  // namespace spin
