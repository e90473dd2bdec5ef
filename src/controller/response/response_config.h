// The `detect:` and `response:` sections of the controller's configuration
// (docs/configuration.md, "Controller"; docs/detection.md).  `detect:` sets
// each detector's thresholds (nmf/detect/detect_config.h); `response:` says
// what the reverse firewall does with an alert: rules, first match wins,
// from (detector, how strong) to a stage and for how long.
#pragma once

#include <string>
#include <vector>

#include "config/yaml_at.h"
#include "nmf/detect/detect_config.h"
#include "nmf/detect/stage.h"

namespace spin::controller {

struct ResponseRule {
    std::string detector = "*";           // a detector, or "*" for any
    nmf::Stage at = nmf::Stage::alert;    // the alert is at least this strong
    nmf::Stage then = nmf::Stage::alert;  // the stage the device is taken to
    double duration = 0;                  // seconds the decision holds (of the controller's clock); 0: until lifted
};

struct ResponseConfig {
    std::vector<ResponseRule> rules = default_rules();
    // `restrict` of a device without a MUD profile holds it to a profile
    // learnt from what it did in this many days before the alert.
    double learn_days = 7;

    static std::vector<ResponseRule> default_rules();
};

void read_detect_config(const config::At& at, nmf::DetectConfig& c);
void read_response_config(const config::At& at, ResponseConfig& c);

}  // namespace spin::controller
