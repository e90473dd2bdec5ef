#include "common/dns_name.h"

#include <nlohmann/json.hpp>

namespace spin {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::optional<DnsName> fail(std::string_view text, std::string* error, const char* why) {
    if (error != nullptr) *error = "'" + std::string(text.substr(0, 80)) + "' is not a DNS name" + why;
    return std::nullopt;
}

}  // namespace

std::optional<DnsName> DnsName::parse_pattern(std::string_view text, std::string* error) {
    if (text.rfind("*.", 0) != 0) return parse(text, error);
    auto base = parse(text.substr(2), nullptr);
    if (!base) return fail(text, error, " or '*.' and a name");
    base->text_.insert(0, "*.");
    return base;
}

std::optional<DnsName> DnsName::parse(std::string_view text, std::string* error) {
    std::string_view name = text;
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) return fail(text, error, " (it is empty)");
    if (name.size() > 253) return fail(text, error, " (longer than 253 characters)");
    DnsName out;
    out.text_.reserve(name.size());
    size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return fail(text, error, " (an empty label)");
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            if (++label > 63) return fail(text, error, " (a label longer than 63 characters)");
        } else {
            return fail(text, error, " (letters, digits, '-', '_' and dots only)");
        }
        out.text_.push_back(lower(c));
    }
    if (label == 0) return fail(text, error, " (an empty label)");  // "a.." : one dot is the root's, one too many
    return out;
}

bool DnsName::covers(std::string_view name) const {
    if (text_.empty()) return false;
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    const bool star = wildcard();
    const std::string_view base = star ? std::string_view(text_).substr(2) : std::string_view(text_);
    const auto equal_tail = [&](size_t from) {
        for (size_t i = 0; i < base.size(); ++i)
            if (lower(name[from + i]) != base[i]) return false;
        return true;
    };
    if (name.size() == base.size()) return !star && equal_tail(0);
    return name.size() > base.size() && name[name.size() - base.size() - 1] == '.' &&
           equal_tail(name.size() - base.size());
}

bool DnsName::is(std::string_view name) const {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return !wildcard() && name.size() == text_.size() && covers(name);
}

void to_json(nlohmann::json& j, const DnsName& name) { j = name.to_string(); }

void from_json(const nlohmann::json& j, DnsName& name) {
    std::string error;
    const auto parsed = DnsName::parse_pattern(j.get<std::string>(), &error);
    if (!parsed) throw nlohmann::json::type_error::create(302, error, &j);
    name = *parsed;
}

}  // namespace spin
