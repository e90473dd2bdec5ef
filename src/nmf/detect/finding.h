// What one detector found about one device, before the alert gate decides
// whether it is news (detection.h).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "nmf/detect/stage.h"

namespace spin::nmf {

struct Finding {
    uint64_t mac = 0;  // 48 bits
    const char* detector = "";
    Stage stage = Stage::none;
    double first = 0, time = 0;  // packet time: the window's first and last thing seen
    nlohmann::json evidence = nlohmann::json::object();
    std::string message;
};

}  // namespace spin::nmf
