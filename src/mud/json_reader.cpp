#include "mud/json_reader.h"

#include <algorithm>

#include <fmt/format.h>

namespace spin::mud::detail {

namespace {

std::string_view type_name(const json& v) {
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a fraction";
    default: return "not a JSON value";
    }
}

}  // namespace

std::string child(const std::string& path, std::string_view key) {
    std::string out = path;
    out += '/';
    for (const char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string child(const std::string& path, size_t index) { return path + "/" + std::to_string(index); }

void JsonReader::error(const std::string& path, std::string message) {
    result_.errors.push_back({path, std::move(message)});
}

void JsonReader::tolerate(const std::string& path, std::string message) {
    (options_.strict ? result_.errors : result_.warnings).push_back({path, std::move(message)});
}

const json* JsonReader::member(const json& obj, const std::string& path, std::string_view key, bool required) {
    const auto it = obj.find(key);
    if (it != obj.end()) return &*it;
    if (required) error(child(path, key), "required, and missing");
    return nullptr;
}

std::vector<std::string> JsonReader::unknown(const json& obj, std::initializer_list<std::string_view> known) {
    std::vector<std::string> out;
    for (const auto& [key, value] : obj.items())
        if (std::find(known.begin(), known.end(), key) == known.end()) out.push_back(key);
    return out;
}

void JsonReader::unknown_keys(const json& obj, const std::string& path, std::initializer_list<std::string_view> known,
                              std::string_view message) {
    for (const auto& key : unknown(obj, known)) tolerate(child(path, key), std::string(message));
}

std::optional<std::string> JsonReader::string(const json& v, const std::string& path) {
    if (v.is_string()) return v.get<std::string>();
    error(path, fmt::format("should be a string, is {}", type_name(v)));
    return std::nullopt;
}

std::optional<int64_t> JsonReader::integer(const json& v, const std::string& path, int64_t min, int64_t max) {
    int64_t n = 0;
    if (v.is_number_unsigned()) {
        const uint64_t u = v.get<uint64_t>();
        if (u > static_cast<uint64_t>(max)) {
            error(path, fmt::format("{} is out of range {}..{}", u, min, max));
            return std::nullopt;
        }
        n = static_cast<int64_t>(u);
    } else if (v.is_number_integer()) {
        n = v.get<int64_t>();
    } else {
        error(path, fmt::format("should be an integer, is {}", type_name(v)));
        return std::nullopt;
    }
    if (n < min || n > max) {
        error(path, fmt::format("{} is out of range {}..{}", n, min, max));
        return std::nullopt;
    }
    return n;
}

std::optional<bool> JsonReader::boolean(const json& v, const std::string& path) {
    if (v.is_boolean()) return v.get<bool>();
    error(path, fmt::format("should be true or false, is {}", type_name(v)));
    return std::nullopt;
}

bool JsonReader::empty_leaf(const json* v, const std::string& path) {
    if (v == nullptr) return false;
    if (v->is_array() && v->size() == 1 && (*v)[0].is_null()) return true;
    error(path, fmt::format("an empty leaf is written [null] (RFC 7951), not {}", type_name(*v)));
    return false;
}

bool JsonReader::object(const json& v, const std::string& path) {
    if (v.is_object()) return true;
    error(path, fmt::format("should be an object, is {}", type_name(v)));
    return false;
}

const json* JsonReader::list(const json& obj, const std::string& path, std::string_view key, bool required) {
    const json* v = member(obj, path, key, required);
    if (v == nullptr) return nullptr;
    if (v->is_array()) return v;
    error(child(path, key), fmt::format("should be a list, is {}", type_name(*v)));
    return nullptr;
}

}  // namespace spin::mud::detail
