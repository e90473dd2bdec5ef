#include "controller/mud/mud_config.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace spin::controller {

using config::At;
using config::ConfigError;

const char* to_string(MudMode m) {
    switch (m) {
    case MudMode::monitor: return "monitor";
    case MudMode::enforce: return "enforce";
    case MudMode::quarantine_on_violation: return "quarantine-on-violation";
    }
    return "?";
}

bool parse_mud_mode(const std::string& text, MudMode* out) {
    for (MudMode m : {MudMode::monitor, MudMode::enforce, MudMode::quarantine_on_violation})
        if (text == to_string(m)) {
            *out = m;
            return true;
        }
    return false;
}

const char* to_string(UnsignedPolicy p) {
    switch (p) {
    case UnsignedPolicy::refuse: return "refuse";
    case UnsignedPolicy::monitor_only: return "monitor-only";
    case UnsignedPolicy::accept: return "accept";
    }
    return "?";
}

std::vector<IpPrefix> default_local_networks() {
    std::vector<IpPrefix> out;
    for (const char* p : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"})
        out.push_back(*IpPrefix::parse(p));
    return out;
}

namespace {

std::vector<std::string> strings(const At& at, const char* what) {
    if (!at.node.IsSequence()) at.fail(fmt::format("must be a list of {}", what));
    std::vector<std::string> out;
    for (size_t i = 0; i < at.node.size(); ++i) out.push_back(At{at.node[i], fmt::format("{}[{}]", at.path, i)}.str());
    return out;
}

std::vector<IpPrefix> prefixes(const At& at) {
    if (!at.node.IsSequence()) at.fail("must be a list of addresses or prefixes");
    std::vector<IpPrefix> out;
    for (size_t i = 0; i < at.node.size(); ++i) {
        const At item{at.node[i], fmt::format("{}[{}]", at.path, i)};
        std::string error;
        const auto p = IpPrefix::parse(item.str(), &error);
        if (!p) item.fail(error);
        out.push_back(*p);
    }
    return out;
}

std::map<std::string, std::vector<IpPrefix>> prefix_map(const At& at, const char* keys) {
    if (!at.node.IsMap()) at.fail(fmt::format("must map {} to lists of addresses", keys));
    std::map<std::string, std::vector<IpPrefix>> out;
    for (const auto& kv : at.node) {
        const std::string key = kv.first.as<std::string>();
        out[key] = prefixes(At{kv.second, at.path + "." + key});
    }
    return out;
}

}  // namespace

void read_mud_config(const At& at, MudConfig& c) {
    at.only({"trust_anchors", "tls_ca", "unsigned", "default_mode", "local_dir", "local_networks", "controllers",
             "my_controllers", "fetch", "fetch_timeout", "max_file_bytes", "max_redirects", "retry_interval"});
    if (at.has("trust_anchors")) c.trust_anchors = strings(at.child("trust_anchors"), "PEM files");
    if (at.has("tls_ca")) c.tls_ca = at.child("tls_ca").str();
    if (at.has("unsigned")) {
        const At u = at.child("unsigned");
        const std::string s = u.str();
        bool found = false;
        for (UnsignedPolicy p : {UnsignedPolicy::refuse, UnsignedPolicy::monitor_only, UnsignedPolicy::accept})
            if (s == to_string(p)) c.unsigned_files = p, found = true;
        if (!found) u.fail(fmt::format("'{}' is not refuse, monitor-only or accept", s));
    }
    if (at.has("default_mode")) {
        const At m = at.child("default_mode");
        if (!parse_mud_mode(m.str(), &c.default_mode))
            m.fail(fmt::format("'{}' is not monitor, enforce or quarantine-on-violation", m.str()));
    }
    if (at.has("local_dir")) c.local_dir = at.child("local_dir").str();
    if (at.has("local_networks")) c.local_networks = prefixes(at.child("local_networks"));
    if (at.has("controllers")) c.controllers = prefix_map(at.child("controllers"), "controller class URNs");
    if (at.has("my_controllers")) c.my_controllers = prefix_map(at.child("my_controllers"), "MUD URLs");
    if (at.has("fetch")) c.fetch = at.child("fetch").boolean();
    if (at.has("fetch_timeout")) {
        const At t = at.child("fetch_timeout");
        c.fetch_timeout = t.as<double>("a number of seconds");
        if (!(c.fetch_timeout >= 1) || c.fetch_timeout > 300)
            t.fail(fmt::format("{} s is out of range 1..300", c.fetch_timeout));
    }
    if (at.has("max_file_bytes")) c.max_file_bytes = at.child("max_file_bytes").uint(1024, 64 << 20);
    if (at.has("max_redirects")) c.max_redirects = static_cast<uint32_t>(at.child("max_redirects").uint(0, 10));
    if (at.has("retry_interval")) {
        const At t = at.child("retry_interval");
        c.retry_interval = t.as<double>("a number of seconds");
        if (!(c.retry_interval >= 1) || c.retry_interval > 7 * 86400)
            t.fail(fmt::format("{} s is out of range 1..604800", c.retry_interval));
    }
}

void validate_mud_config(const MudConfig& c) {
    const auto readable = [](const std::string& path, const char* key) {
        std::ifstream in(path);
        if (!in) throw ConfigError(fmt::format("mud.{}: cannot read '{}'", key, path));
    };
    for (const std::string& f : c.trust_anchors) readable(f, "trust_anchors");
    if (!c.tls_ca.empty()) readable(c.tls_ca, "tls_ca");
    if (!c.local_dir.empty() && !std::filesystem::is_directory(c.local_dir))
        throw ConfigError(fmt::format("mud.local_dir: '{}' is not a directory", c.local_dir));
}

}  // namespace spin::controller
