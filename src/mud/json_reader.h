// What the MUD parsers share: reading typed leaves out of untrusted JSON
// with a diagnostic (and its JSON pointer) for every problem, and the
// tolerant / strict split of mud/parser.h.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mud/parser.h"

namespace spin::mud::detail {

using nlohmann::json;

// `path` + "/" + `key`, escaped as RFC 6901 says ("~" -> "~0", "/" -> "~1").
std::string child(const std::string& path, std::string_view key);
std::string child(const std::string& path, size_t index);

class JsonReader {
public:
    JsonReader(const ParseOptions& options, ParseResult& result) : options_(options), result_(result) {}

    void error(const std::string& path, std::string message);
    // A departure SPIN tolerates: a warning, or an error under --strict.
    void tolerate(const std::string& path, std::string message);
    bool strict() const { return options_.strict; }

    // The member `key` of `obj`, or null if absent (and an error naming it
    // when `required`).
    const json* member(const json& obj, const std::string& path, std::string_view key, bool required = false);
    // The keys of `obj` outside `known`.
    static std::vector<std::string> unknown(const json& obj, std::initializer_list<std::string_view> known);
    // Each of them, with `message` ("... is not understood"), tolerated.
    void unknown_keys(const json& obj, const std::string& path, std::initializer_list<std::string_view> known,
                      std::string_view message);

    // Typed leaves.  nullopt after an error when the value has another type
    // or lies outside [min, max].
    std::optional<std::string> string(const json& v, const std::string& path);
    std::optional<int64_t> integer(const json& v, const std::string& path, int64_t min, int64_t max);
    std::optional<bool> boolean(const json& v, const std::string& path);
    // A YANG `empty` leaf, which RFC 7951 writes `[null]`.  Anything else is
    // an error; absent is false.
    bool empty_leaf(const json* v, const std::string& path);
    // An object (or an error naming what was expected).
    bool object(const json& v, const std::string& path);
    // The list `key` of `obj`: an array, or nothing after an error.
    const json* list(const json& obj, const std::string& path, std::string_view key, bool required);

private:
    const ParseOptions& options_;
    ParseResult& result_;
};

}  // namespace spin::mud::detail
