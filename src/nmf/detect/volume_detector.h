// Volume against the device's own history (docs/detection.md, "volume"):
// bytes out in the current hour held against the device's earlier hours
// (silent ones count as zero): the median and the median absolute
// deviation (MAD), robust to the odd busy hour.  It judges only after
// `warmup_hours` of history, and says so (status()).  The history is kept
// in memory per device (at most `history_hours` values) from the records,
// in packet time, and taken from the store's hourly traffic at start (seed()).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/detect/detect_config.h"
#include "nmf/detect/finding.h"

namespace spin::nmf {

class VolumeDetector {
public:
    VolumeDetector(const VolumeConfig& config, uint32_t max_devices);
    std::optional<Finding> on_bytes(uint64_t mac, uint64_t bytes_out, double t);
    // A device's history from the store at start: bytes out per hour (hours since the epoch,
    // ascending); the last hour is the current one.
    void seed(uint64_t mac, const std::vector<std::pair<int64_t, uint64_t>>& hours);
    // {hours, warm, median, mad, limit} of a device; null when it has none.
    nlohmann::json status(uint64_t mac) const;
    uint64_t devices_dropped() const { return dropped_; }

private:
    struct History {
        int64_t first_hour = 0, hour = 0;
        uint64_t current = 0;       // bytes out in `hour`
        std::deque<uint64_t> past;  // the hours before, oldest first
        double median = 0, mad = 0;
    };
    void roll(History& h, int64_t hour) const;
    bool warm(const History& h) const { return h.hour - h.first_hour >= static_cast<int64_t>(config_.warmup_hours); }
    // The bytes an hour reaches at a stage (0: off).
    double limit(const History& h, Stage s) const;

    VolumeConfig config_;
    uint32_t max_devices_;
    std::unordered_map<uint64_t, History> devices_;
    uint64_t dropped_ = 0;
};

}  // namespace spin::nmf
