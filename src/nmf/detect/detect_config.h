// The controller's detectors and their thresholds (controller.yaml,
// `detect:`; every key in docs/configuration.md).  The defaults were chosen
// against the benign corpus (no alert above `alert` on any IoT Sentinel
// capture) and the generated attacks (docs/detection.md, "Measured").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nmf/detect/stage.h"

namespace spin::nmf {

// Every detector an alert may name: the agent's reflex (mirai_scan) and the controller's.
const std::vector<std::string>& detector_names();

// Fan-out of new outgoing TCP connections (SYN) to distinct remote
// addresses in a window, each weighted: `exploit_weight` on the ports IoT
// malware probes, 1 elsewhere.
struct ScanConfig {
    bool enabled = true;
    double window_s = 5;
    std::vector<uint16_t> exploit_ports{23, 2323, 22, 2222, 7547, 5555, 37215, 52869, 60001, 2480, 23231};
    uint32_t exploit_weight = 8;
    StageThresholds thresholds{64, 256, 512};  // weighted distinct targets per window
};

// Packets towards one victim (an IPv4 /24 or IPv6 /56) per second over a
// window, per kind, when almost nothing comes back.
struct FloodConfig {
    bool enabled = true;
    double window_s = 5;
    double max_return_ratio = 0.1;                // packets back / packets out, at most
    bool include_local = false;                   // victims on the home's own networks count too
    StageThresholds thresholds{500, 1000, 1500};  // packets per second
};

// Many distinct random sub-labels of one domain from one device.
struct WaterTortureConfig {
    bool enabled = true;
    double window_s = 10;
    double min_error_ratio = 0.5;             // NXDOMAIN or SERVFAIL answers / answers, at least
    StageThresholds thresholds{30, 60, 120};  // distinct sub-labels per window
};

// Bytes out in an hour against the device's own hours before: median and
// median absolute deviation (MAD).
struct VolumeConfig {
    bool enabled = true;
    uint32_t warmup_hours = 72;            // hours with traffic before it judges
    uint32_t history_hours = 14 * 24;      // hours kept per device
    double min_bytes = 100e6;              // an hour below this is never too much
    double min_factor = 5;                 // ... nor one below this many medians
    StageThresholds thresholds{10, 0, 0};  // MADs above the median
};

// Contact outside the device's MUD profile (its violations).
struct ProfileConfig {
    bool enabled = true;
    StageThresholds thresholds{1, 0, 0};  // distinct violations so far
};

struct DetectConfig {
    ScanConfig scan;
    FloodConfig flood;
    WaterTortureConfig dns_water_torture;
    VolumeConfig volume;
    ProfileConfig profile;
    double realert_s = 300;       // a finding at the same stage is told again after this long
    uint32_t max_devices = 4096;  // per detector; more are counted, not watched
};

}  // namespace spin::nmf
