// The controller's detectors (docs/detection.md), fed by the recorder with
// every flow record (and what it added), every DNS answer and every MUD
// violation, in packet time so that a replay behaves as real time.  A
// finding becomes an Alert when it is news for the device and detector: a
// higher stage than last told, or the same stage `realert_s` after it was
// last told (so a flood is one alert a few minutes, not one per record).
// Memory is bounded per detector (`max_devices`, and per-device caps).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "nmf/detect/detect_config.h"
#include "nmf/detect/flood_detector.h"
#include "nmf/detect/scan_detector.h"
#include "nmf/detect/volume_detector.h"
#include "nmf/detect/water_torture_detector.h"
#include "nmf/ingest/alert.h"
#include "nmf/store/traffic.h"
#include "proto/events.h"
#include "proto/flow_record.h"

namespace spin::nmf {

class Detection {
public:
    using Sink = std::function<void(Alert)>;
    Detection(const DetectConfig& config, Sink sink);

    void on_record(const proto::FlowRecord& r, const TrafficCounters& added);
    void on_dns(const std::string& mac, const proto::DnsEvent& e, double time);
    // At start: the devices' hourly bytes out from the store (volume's history).
    void seed_volume(const std::string& mac, const std::vector<std::pair<int64_t, uint64_t>>& hours);
    // A new MUD violation of the device (its JSON as stored in the event).
    void on_violation(const std::string& mac, const nlohmann::json& violation, double time);

    // Counters, and what each detector holds (docs/api.md, "Status").
    nlohmann::json stats() const;
    // What the detectors know of one device (volume's warm-up).
    nlohmann::json device_status(const std::string& mac) const;

private:
    void consider(Finding f);

    DetectConfig config_;
    Sink sink_;
    ScanDetector scan_;
    FloodDetector flood_;
    WaterTortureDetector dns_;
    VolumeDetector volume_;
    struct Told {
        Stage stage = Stage::none;
        double time = 0;
    };
    static constexpr size_t kMaxTold = 16384;
    std::map<std::pair<uint64_t, std::string>, Told> told_;  // (device, detector)
    std::map<uint64_t, uint64_t> violations_;                // per device, for `profile`
    uint64_t findings_ = 0, alerts_ = 0, peak_violations_ = 0;
};

}  // namespace spin::nmf
