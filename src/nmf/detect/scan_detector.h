// Scanning (docs/detection.md, "scan"): a device opening TCP connections to
// many distinct remote addresses in a window, worse on the ports IoT
// malware probes.  Counted on the start records of connections the device
// opened with a SYN; each distinct address counts once, with the weight of
// the heaviest port it was probed on.  What came back (answers, resets) is
// evidence, from the window's later records.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "nmf/detect/detect_config.h"
#include "nmf/detect/device_windows.h"
#include "nmf/detect/finding.h"
#include "proto/flow_record.h"

namespace spin::nmf {

class ScanDetector {
public:
    explicit ScanDetector(const ScanConfig& config, uint32_t max_devices);
    std::optional<Finding> on_record(const proto::FlowRecord& r);
    uint64_t devices_dropped() const { return windows_.dropped(); }
    // The highest weighted score any device reached in a window: how near benign traffic comes.
    uint64_t peak() const { return peak_; }

private:
    static constexpr size_t kMaxTargets = 8192;  // per device and window: past it the score only grows
    struct Window {
        double start = 0, last = 0;
        uint64_t score = 0, syns = 0, exploit_syns = 0, answered = 0, reset = 0;
        std::unordered_map<uint64_t, uint8_t> targets;  // address hash -> weight counted
        std::unordered_map<uint16_t, uint64_t> ports;   // SYNs per port
        std::vector<std::pair<std::string, uint16_t>> examples;
    };

    ScanConfig config_;
    std::vector<bool> exploit_;  // by port
    DeviceWindows<Window> windows_;
    uint64_t peak_ = 0;
};

}  // namespace spin::nmf
