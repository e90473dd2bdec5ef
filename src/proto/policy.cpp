#include "proto/policy.h"

#include <algorithm>
#include <initializer_list>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace spin::proto {

using nlohmann::json;

const char* to_string(PolicyMode m) { return m == PolicyMode::enforce ? "enforce" : "monitor"; }

namespace {

json port_json(const PortRange& p) {
    json j = {{"lower", p.lower}, {"upper", p.upper}};
    if (p.negate) j["negate"] = true;
    return j;
}

// Reads what a policy entry holds, or says which key is wrong.
class EntryReader {
public:
    explicit EntryReader(std::string& error) : error_(error) {}

    bool fail(const std::string& key, std::string_view what) {
        error_ = fmt::format("'{}' {}", key, what);
        return false;
    }
    bool only(const json& j, std::initializer_list<std::string_view> keys, const char* what) {
        for (const auto& [k, v] : j.items())
            if (std::find(keys.begin(), keys.end(), k) == keys.end())
                return fail(k, fmt::format("is not a key of {}", what));
        return true;
    }
    template <typename T>
    bool number(const json& j, const char* key, std::optional<T>& out, uint64_t max) {
        if (!j.contains(key)) return true;
        const json& v = j[key];
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<uint64_t>() > max)
            return fail(key, fmt::format("must be 0..{}", max));
        out = static_cast<T>(v.get<uint64_t>());
        return true;
    }
    bool text(const json& j, const char* key, std::string& out) {
        if (!j.contains(key)) return true;
        if (!j[key].is_string()) return fail(key, "must be a string");
        out = j[key].get<std::string>();
        return true;
    }
    bool prefixes(const json& v, const char* key, std::vector<IpPrefix>& out) {
        if (!v.is_array()) return fail(key, "must be a list of prefixes");
        for (const json& p : v) {
            std::string why;
            auto prefix = p.is_string() ? IpPrefix::parse(p.get<std::string>(), &why) : std::nullopt;
            if (!prefix) return fail(key, "holds something that is not a prefix" + (why.empty() ? "" : ": " + why));
            out.push_back(*prefix);
        }
        return true;
    }
    bool port(const json& j, const char* key, PortRange& out) {
        if (!j.contains(key)) return true;
        const json& v = j[key];
        if (!v.is_object() || !only(v, {"lower", "upper", "negate"}, "a port range"))
            return fail(key, "must be a port range");
        std::optional<uint16_t> lo, hi;
        if (!number(v, "lower", lo, 65535) || !number(v, "upper", hi, 65535)) return false;
        if (!lo || !hi || *lo > *hi) return fail(key, "needs lower <= upper");
        out = {*lo, *hi, v.value("negate", false) == true};
        if (out.negate && *lo != *hi) return fail(key, "negates one port only");
        return true;
    }
    template <typename E>
    bool choice(const json& j, const char* key, std::optional<E>& out, const char* a, E ea, const char* b, E eb) {
        if (!j.contains(key)) return true;
        const json& v = j[key];
        if (v == a)
            out = ea;
        else if (v == b)
            out = eb;
        else
            return fail(key, fmt::format("must be \"{}\" or \"{}\"", a, b));
        return true;
    }

    bool entry(const json& j, PolicyEntry& e);

private:
    std::string& error_;
};

bool EntryReader::entry(const json& j, PolicyEntry& e) {
    if (!j.is_object()) return fail("entries", "must hold objects");
    if (!only(j,
              {"acl", "ace", "action", "toward", "ip", "ethertype", "proto", "remotes", "domain", "device_networks",
               "remote_mac", "remote_port", "device_port", "opened_by", "icmp_type", "icmp_code"},
              "a policy entry"))
        return false;
    std::optional<bool> accept;
    std::optional<Toward> toward;
    std::optional<uint8_t> ip;
    std::string domain, mac;
    if (!text(j, "acl", e.acl) || !text(j, "ace", e.ace) ||
        !choice(j, "action", accept, "accept", true, "drop", false) ||
        !choice(j, "toward", toward, "remote", Toward::remote, "device", Toward::device) || !number(j, "ip", ip, 6) ||
        !number(j, "ethertype", e.ethertype, 65535) || !number(j, "proto", e.proto, 255) ||
        !text(j, "domain", domain) || !text(j, "remote_mac", mac) || !port(j, "remote_port", e.remote_port) ||
        !port(j, "device_port", e.device_port) ||
        !choice(j, "opened_by", e.opened_by, "device", Opener::device, "remote", Opener::remote) ||
        !number(j, "icmp_type", e.icmp_type, 255) || !number(j, "icmp_code", e.icmp_code, 255))
        return false;
    if (!toward) return fail("toward", "is required");
    e.toward = *toward;
    e.accept = accept.value_or(true);
    e.ip_version = ip.value_or(0);
    if (e.ip_version != 0 && e.ip_version != 4 && e.ip_version != 6) return fail("ip", "must be 4 or 6");
    if (j.contains("remotes")) {
        e.remotes.emplace();
        if (!prefixes(j["remotes"], "remotes", *e.remotes)) return false;
    }
    if (j.contains("device_networks") && !prefixes(j["device_networks"], "device_networks", e.device_networks))
        return false;
    if (!domain.empty()) {
        std::string why;
        auto name = DnsName::parse(domain, &why);
        if (!name) return fail("domain", "is not a DNS name: " + why);
        e.domain = *name;
    }
    if (!mac.empty()) {
        std::string why;
        e.remote_mac = MacAddress::parse(mac, &why);
        if (!e.remote_mac) return fail("remote_mac", "is not a MAC address: " + why);
    }
    return true;
}

}  // namespace

void to_json(json& j, const PolicyEntry& e) {
    j = {{"acl", e.acl},
         {"ace", e.ace},
         {"action", e.accept ? "accept" : "drop"},
         {"toward", e.toward == Toward::remote ? "remote" : "device"}};
    if (e.ip_version != 0) j["ip"] = e.ip_version;
    if (e.ethertype) j["ethertype"] = *e.ethertype;
    if (e.proto) j["proto"] = *e.proto;
    if (e.remotes) j["remotes"] = *e.remotes;
    if (!e.domain.empty()) j["domain"] = e.domain;
    if (!e.device_networks.empty()) j["device_networks"] = e.device_networks;
    if (e.remote_mac) j["remote_mac"] = *e.remote_mac;
    if (!e.remote_port.any()) j["remote_port"] = port_json(e.remote_port);
    if (!e.device_port.any()) j["device_port"] = port_json(e.device_port);
    if (e.opened_by) j["opened_by"] = *e.opened_by == Opener::device ? "device" : "remote";
    if (e.icmp_type) j["icmp_type"] = *e.icmp_type;
    if (e.icmp_code) j["icmp_code"] = *e.icmp_code;
}

void to_json(json& j, const DevicePolicy& p) {
    j = {{"mac", p.mac}, {"mode", to_string(p.mode)}, {"profile", p.profile}, {"entries", p.entries}};
}

std::optional<DevicePolicy> parse_policy(const json& j, std::string* error) {
    std::string local;
    std::string& why = error != nullptr ? *error : local;
    EntryReader r(why);
    DevicePolicy p;
    if (!j.is_object()) {
        why = "a policy must be an object";
        return std::nullopt;
    }
    if (!r.only(j, {"mac", "mode", "profile", "entries"}, "a policy")) return std::nullopt;
    std::string mac;
    std::optional<PolicyMode> mode;
    if (!r.text(j, "mac", mac) || !r.text(j, "profile", p.profile) ||
        !r.choice(j, "mode", mode, "monitor", PolicyMode::monitor, "enforce", PolicyMode::enforce))
        return std::nullopt;
    std::string mac_error;
    auto m = MacAddress::parse(mac, &mac_error);
    if (!m) {
        r.fail("mac", "is not a MAC address: " + mac_error);
        return std::nullopt;
    }
    p.mac = *m;
    p.mode = mode.value_or(PolicyMode::monitor);
    if (!j.contains("entries") || !j["entries"].is_array()) {
        r.fail("entries", "must be a list");
        return std::nullopt;
    }
    for (const json& e : j["entries"])
        if (!r.entry(e, p.entries.emplace_back())) return std::nullopt;
    return p;
}

}  // namespace spin::proto
