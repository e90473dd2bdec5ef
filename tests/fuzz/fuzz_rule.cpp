// libFuzzer harness: the value types (MAC, prefix, DNS name) and the rule
// model on hostile text, as the API, the YAML and orders hand them over.
// Oracle: nothing throws or crashes, and whatever is accepted is canonical:
// its text reads back as the same value, and a rule's JSON as the same rule.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "common/dns_name.h"
#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "proto/rule.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz-rule: %s\n", what.c_str());
    std::abort();
}

template <typename T, typename Parse>
void round_trip(const std::string& text, Parse parse, const char* what) {
    std::string error;
    const auto v = parse(text, &error);
    if (!v) {
        if (error.empty()) fail(std::string(what) + " refused without a reason");
        return;
    }
    const auto again = parse(v->to_string(), nullptr);
    if (!again || !(*again == *v) || again->to_string() != v->to_string())
        fail(std::string(what) + " '" + text + "' reads as '" + v->to_string() + "', which does not read back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    round_trip<spin::MacAddress>(
        text, [](std::string_view t, std::string* e) { return spin::MacAddress::parse(t, e); }, "MAC");
    round_trip<spin::IpPrefix>(
        text, [](std::string_view t, std::string* e) { return spin::IpPrefix::parse(t, e); }, "prefix");
    round_trip<spin::DnsName>(
        text, [](std::string_view t, std::string* e) { return spin::DnsName::parse_pattern(t, e); }, "DNS name");
    if (const auto name = spin::DnsName::parse_pattern(text)) {
        if (!name->wildcard() && !name->covers(text)) fail("'" + text + "' does not cover itself");
    }

    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return 0;
    std::string error;
    const auto rule = spin::proto::parse_rule(j, &error);
    if (!rule) {
        if (error.empty()) fail("rule refused without a reason");
        return 0;
    }
    const nlohmann::json out = *rule;
    const auto again = spin::proto::parse_rule(out, &error);
    if (!again || !again->same_as(*rule) || again->name != rule->name)
        fail("rule " + text + " writes as " + out.dump() + ", which does not read back: " + error);
    if (nlohmann::json(*again) != out) fail("rule JSON is not stable: " + out.dump());
    return 0;
}
