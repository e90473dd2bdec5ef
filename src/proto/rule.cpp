#include "proto/rule.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace spin::proto {

using nlohmann::json;

namespace {

struct KindRow {
    RuleKind kind;
    const char* name;
    const char* keys;
};

constexpr KindRow kKinds[] = {
#define SPIN_RULE_KIND_ROW(kind, keys, meaning) {RuleKind::kind, #kind, keys},
    SPIN_RULE_KINDS(SPIN_RULE_KIND_ROW)
#undef SPIN_RULE_KIND_ROW
};

const KindRow& row(RuleKind kind) { return kKinds[static_cast<size_t>(kind)]; }

struct Key {
    std::string name;
    bool optional;
};

std::vector<Key> keys_of(RuleKind kind) {
    std::vector<Key> out;
    std::string_view rest = row(kind).keys;
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        std::string_view word = rest.substr(0, space);
        const bool optional = !word.empty() && word[0] == '?';
        if (optional) word.remove_prefix(1);
        out.push_back({std::string(word), optional});
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    }
    return out;
}

// The readers below fill their field of a rule from a JSON value, or say
// what is wrong with it.
bool text_of(const json& v, const char* key, std::string& out, std::string& error) {
    if (!v.is_string()) {
        error = fmt::format("'{}' must be a string", key);
        return false;
    }
    out = v.get<std::string>();
    return true;
}

bool read_mac(const json& v, Rule& r, std::string& error) {
    std::string text;
    if (!text_of(v, "mac", text, error)) return false;
    const auto mac = MacAddress::parse(text, &error);
    if (!mac) return error = "'mac': " + error, false;
    if (mac->is_group()) return error = "'mac': " + mac->to_string() + " is a group address, not a device", false;
    if (mac->is_zero()) return error = "'mac': 00:00:00:00:00:00 is not a device", false;
    r.mac = *mac;
    return true;
}

// A string read by a value type's parser; its complaint is prefixed with the key.
template <typename T, std::optional<T> (*Parse)(std::string_view, std::string*)>
bool read_value(const json& v, const char* key, T& out, std::string& error) {
    std::string text;
    if (!text_of(v, key, text, error)) return false;
    const auto parsed = Parse(text, &error);
    if (!parsed) return error = fmt::format("'{}': {}", key, error), false;
    out = *parsed;
    return true;
}

constexpr auto read_prefix = read_value<IpPrefix, &IpPrefix::parse>;
constexpr auto read_domain_text = read_value<DnsName, &DnsName::parse_pattern>;

template <typename T, typename Read>
bool read_list(const json& v, const char* key, std::vector<T>& out, std::string& error, Read read) {
    if (!v.is_array()) return error = fmt::format("'{}' must be a list", key), false;
    if (v.size() > 4096) return error = fmt::format("'{}' has more than 4096 entries", key), false;
    for (size_t i = 0; i < v.size(); ++i) {
        T item;
        const std::string where = fmt::format("{}[{}]", key, i);
        if (!read(v[i], where.c_str(), item, error)) return false;
        out.push_back(std::move(item));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return true;
}

bool read_number(const json& v, const char* key, uint64_t max, uint64_t& out, std::string& error) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<uint64_t>() > max)
        return error = fmt::format("'{}' must be a whole number 0..{}", key, max), false;
    out = v.get<uint64_t>();
    return true;
}

bool read_host(const json& v, const char* key, IpPrefix& out, std::string& error) {
    if (!read_prefix(v, key, out, error)) return false;
    if (!out.is_host()) return error = fmt::format("'{}' must be a single address, not a prefix", key), false;
    return true;
}

bool read_proto(const json& v, Rule& r, std::string& error) {
    static const std::pair<const char*, uint8_t> names[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}};
    if (v.is_string())
        for (const auto& [name, number] : names)
            if (v.get<std::string>() == name) return r.flow.proto = number, true;
    uint64_t n = 0;
    if (v.is_string() || !read_number(v, "proto", 255, n, error))
        return error = "'proto' must be tcp, udp, icmp, icmpv6 or a protocol number 0..255", false;
    r.flow.proto = static_cast<uint8_t>(n);
    return true;
}

template <uint16_t FlowMatch::*Field, uint64_t Max>
bool read_u16(const json& v, Rule& r, std::string& error, const char* key) {
    uint64_t n = 0;
    if (!read_number(v, key, Max, n, error)) return false;
    r.flow.*Field = static_cast<uint16_t>(n);
    return true;
}

// The policy object of a device_policy rule: the rule's mac is the policy's.
bool read_policy(const json& v, Rule& r, std::string& error) {
    if (!v.is_object()) return error = "'policy' must be an object (mode, profile, entries)", false;
    if (v.contains("mac")) return error = "'policy' names no 'mac': the rule's is the policy's", false;
    json with_mac = v;
    with_mac["mac"] = r.mac.to_string();
    auto policy = parse_policy(with_mac, &error);
    if (!policy) return error = "'policy': " + error, false;
    r.policy = std::move(*policy);
    return true;
}

bool read_field(const std::string& key, const json& v, Rule& r, std::string& error) {
    if (key == "mac") return read_mac(v, r, error);
    if (key == "remote") return read_prefix(v, "remote", r.remote, error);
    if (key == "domain") return read_domain_text(v, "domain", r.domain, error);
    if (key == "remotes") return read_list(v, "remotes", r.remotes, error, read_prefix);
    if (key == "domains") return read_list(v, "domains", r.domains, error, read_domain_text);
    if (key == "proto") return read_proto(v, r, error);
    if (key == "lan_ip") return read_host(v, "lan_ip", r.flow.lan_ip, error);
    if (key == "remote_ip") return read_host(v, "remote_ip", r.flow.remote_ip, error);
    if (key == "lan_port") return read_u16<&FlowMatch::lan_port, 65535>(v, r, error, "lan_port");
    if (key == "remote_port") return read_u16<&FlowMatch::remote_port, 65535>(v, r, error, "remote_port");
    if (key == "vlan") return read_u16<&FlowMatch::vlan, 4095>(v, r, error, "vlan");
    if (key == "policy") return read_policy(v, r, error);
    error = "no reader for key '" + key + "'";  // a SPIN_RULE_KINDS row names a key this file does not know
    return false;
}

std::string joined(const std::vector<Key>& keys) {
    std::string out = "type, name";
    for (const auto& k : keys) out += ", " + k.name;
    return out;
}

}  // namespace

const char* to_string(RuleKind kind) { return row(kind).name; }

std::optional<RuleKind> rule_kind_from(std::string_view text) {
    for (const auto& k : kKinds)
        if (text == k.name) return k.kind;
    if (text == "remote") return RuleKind::device_remote;
    if (text == "name") return RuleKind::device_name;
    return std::nullopt;
}

std::string rule_kind_list() {
    std::string out;
    for (const auto& k : kKinds) out += (out.empty() ? "" : ", ") + std::string(k.name);
    return out;
}

bool Rule::same_as(const Rule& o) const {
    return kind == o.kind && mac == o.mac && remote == o.remote && domain == o.domain && remotes == o.remotes &&
           domains == o.domains && flow == o.flow && policy == o.policy;
}

std::string Rule::describe() const {
    switch (kind) {
    case RuleKind::quarantine: return "quarantine " + mac.to_string();
    case RuleKind::device_remote: return "device " + mac.to_string() + " remote " + remote.to_string();
    case RuleKind::device_name: return "device " + mac.to_string() + " name " + domain.to_string();
    case RuleKind::device_allow: return "device " + mac.to_string() + " allow-list";
    case RuleKind::flow:
        return fmt::format("flow {} {}:{} {}:{}", flow.proto, flow.lan_ip.address_text(), flow.lan_port,
                           flow.remote_ip.address_text(), flow.remote_port);
    case RuleKind::global: return "global " + remote.to_string();
    case RuleKind::device_policy:
        return "device " + mac.to_string() + " MUD policy" +
               (policy ? fmt::format(" {} ({})", policy->profile, to_string(policy->mode)) : "");
    }
    return "rule";
}

std::optional<Rule> parse_rule(const json& j, std::string* error_out) {
    std::string error;
    const auto fail = [&](std::string why) -> std::optional<Rule> {
        if (error_out != nullptr) *error_out = std::move(why);
        return std::nullopt;
    };
    if (!j.is_object()) return fail("a rule must be an object with a 'type' (" + rule_kind_list() + ")");
    if (!j.contains("type")) return fail("a rule needs 'type' (" + rule_kind_list() + ")");
    if (!j["type"].is_string()) return fail("'type' must be a string (" + rule_kind_list() + ")");
    const std::string type = j["type"].get<std::string>();
    const auto kind = rule_kind_from(type);
    if (!kind) return fail("'type': '" + type.substr(0, 64) + "' is not a rule type (" + rule_kind_list() + ")");
    Rule r;
    r.kind = *kind;
    const auto keys = keys_of(r.kind);
    for (const auto& item : j.items()) {
        const std::string& key = item.key();
        const bool known = key == "type" || key == "name" ||
                           std::any_of(keys.begin(), keys.end(), [&](const Key& k) { return k.name == key; });
        if (!known)
            return fail(fmt::format("unknown key '{}' in a {} rule (expected {})", key.substr(0, 64), to_string(r.kind),
                                    joined(keys)));
    }
    if (j.contains("name")) {
        if (!text_of(j["name"], "name", r.name, error)) return fail(error);
        if (r.name.size() > 256) return fail("'name' is longer than 256 characters");
    }
    for (const auto& k : keys) {
        if (!j.contains(k.name)) {
            if (k.optional) continue;
            return fail(fmt::format("a {} rule needs '{}'", to_string(r.kind), k.name));
        }
        if (!read_field(k.name, j[k.name], r, error)) return fail(error);
    }
    if (r.kind == RuleKind::flow && r.flow.lan_ip.version() != r.flow.remote_ip.version())
        return fail("flow addresses must be single addresses of the same family");
    return r;
}

void to_json(json& j, const Rule& r) {
    j = json{{"type", to_string(r.kind)}};
    for (const auto& k : keys_of(r.kind)) {
        if (k.name == "mac")
            j["mac"] = r.mac;
        else if (k.name == "remote")
            j["remote"] = r.remote;
        else if (k.name == "domain")
            j["domain"] = r.domain;
        else if (k.name == "remotes")
            j["remotes"] = r.remotes;
        else if (k.name == "domains")
            j["domains"] = r.domains;
        else if (k.name == "proto")
            j["proto"] = r.flow.proto;
        else if (k.name == "lan_ip")
            j["lan_ip"] = r.flow.lan_ip.address_text();
        else if (k.name == "remote_ip")
            j["remote_ip"] = r.flow.remote_ip.address_text();
        else if (k.name == "lan_port")
            j["lan_port"] = r.flow.lan_port;
        else if (k.name == "remote_port")
            j["remote_port"] = r.flow.remote_port;
        else if (k.name == "vlan")
            j["vlan"] = r.flow.vlan;
        else if (k.name == "policy" && r.policy) {
            json p = *r.policy;
            p.erase("mac");
            j["policy"] = std::move(p);
        }
    }
    if (!r.name.empty()) j["name"] = r.name;
}

}  // namespace spin::proto
