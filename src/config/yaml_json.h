// A YAML node as JSON, so that what YAML and JSON both carry (the agent's
// `blocks` entries and an order's `rule`) is read by one JSON parser.  Plain
// scalars that are whole numbers become numbers; every other scalar, and
// every quoted one, a string.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

namespace spin::config {

inline nlohmann::json yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& kv : node) out[kv.first.Scalar()] = yaml_to_json(kv.second);
        return out;
    }
    case YAML::NodeType::Sequence: {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : node) out.push_back(yaml_to_json(item));
        return out;
    }
    case YAML::NodeType::Scalar: {
        const std::string& s = node.Scalar();
        const bool number =
            node.Tag() == "?" && !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
        if (number) return std::stoull(s);
        return s;
    }
    default: return nullptr;
    }
}

}  // namespace spin::config
