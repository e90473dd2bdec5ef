// Reading fields of untrusted JSON (agent events, stored documents): a field
// that is missing or of another type reads as empty, never an exception.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace spin::nmf {

inline std::string json_text(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

inline double json_number(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

inline int64_t json_integer(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

inline bool json_true(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace spin::nmf
