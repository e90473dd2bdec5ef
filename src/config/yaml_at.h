// Reading YAML configuration with errors that name the key: a node carries
// its dotted path ("store.retention.minutes") and, where yaml-cpp knows it,
// the line, so every ConfigError says where and what.  Shared by the agent's
// and the controller's configuration readers.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace spin::config {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A YAML node with its dotted path, so every error names the key.
struct At {
    YAML::Node node;
    std::string path;

    At child(const std::string& key) const { return {node[key], path.empty() ? key : path + "." + key}; }
    bool has(const std::string& key) const { return node.IsMap() && node[key]; }

    [[noreturn]] void fail(const std::string& what) const {
        const auto mark = node.Mark();
        if (mark.line >= 0) throw ConfigError(fmt::format("{} (line {}): {}", path, mark.line + 1, what));
        throw ConfigError(fmt::format("{}: {}", path, what));
    }

    void only(std::initializer_list<const char*> keys) const {
        if (!node) return;
        if (!node.IsMap()) fail("must be a mapping");
        const std::set<std::string> allowed(keys.begin(), keys.end());
        for (const auto& kv : node) {
            const auto k = kv.first.as<std::string>();
            if (!allowed.count(k)) {
                std::string list;
                for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                At{kv.first, path.empty() ? k : path + "." + k}.fail(
                    fmt::format("unknown key (expected one of: {})", list));
            }
        }
    }

    template <typename T>
    T as(const char* type) const {
        if (!node.IsScalar()) fail(fmt::format("must be {}", type));
        try {
            return node.as<T>();
        } catch (const YAML::Exception&) {
            fail(fmt::format("'{}' is not {}", node.Scalar(), type));
        }
    }

    std::string str() const { return as<std::string>("a string"); }
    bool boolean() const { return as<bool>("true or false"); }
    uint64_t uint(uint64_t min, uint64_t max) const {
        const auto s = node.IsScalar() ? node.Scalar() : std::string{};
        if (!s.empty() && s[0] == '-') fail(fmt::format("'{}' must not be negative", s));
        const auto v = as<uint64_t>("a whole number");
        if (v < min || v > max) fail(fmt::format("{} is out of range {}..{}", v, min, max));
        return v;
    }
    // Seconds, fractions allowed, within min..max.
    double seconds(double min, double max) const {
        const auto v = as<double>("a number of seconds");
        if (!(v >= min) || v > max) fail(fmt::format("{} s is out of range {}..{}", v, min, max));
        return v;
    }
    // Seconds, fractions allowed; returned in microseconds.
    uint64_t seconds_us(double min_s) const {
        const auto v = as<double>("a number of seconds");
        if (!(v >= min_s) || v > 1e7) fail(fmt::format("{} s is out of range {}..1e7", v, min_s));
        return static_cast<uint64_t>(v * 1e6);
    }
};

// The whole text of a configuration file; a ConfigError naming it and why not.
inline std::string read_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace spin::config
