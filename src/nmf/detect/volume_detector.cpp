#include "nmf/detect/volume_detector.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "common/mac_address.h"

namespace spin::nmf {

namespace {

double median_of(std::vector<double> v) {
    if (v.empty()) return 0;
    const size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
    const double upper = v[mid];
    if (v.size() % 2 == 1) return upper;
    return (upper + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
}

std::string mb(double bytes) { return fmt::format("{:.1f} MB", bytes / 1e6); }

}  // namespace

VolumeDetector::VolumeDetector(const VolumeConfig& config, uint32_t max_devices)
    : config_(config), max_devices_(max_devices) {}

void VolumeDetector::roll(History& h, int64_t hour) const {
    if (hour <= h.hour) return;
    // The hour just over, and the silent ones since (at most a history's worth), join the history.
    h.past.push_back(h.current);
    const int64_t silent = std::min<int64_t>(hour - h.hour - 1, config_.history_hours);
    for (int64_t k = 0; k < silent; ++k) h.past.push_back(0);
    while (h.past.size() > config_.history_hours) h.past.pop_front();
    h.hour = hour;
    h.current = 0;
    std::vector<double> v(h.past.begin(), h.past.end());
    h.median = median_of(v);
    for (double& x : v) x = std::fabs(x - h.median);
    h.mad = median_of(std::move(v));
}

double VolumeDetector::limit(const History& h, Stage s) const {
    const double k = config_.thresholds.of(s);
    if (k <= 0) return 0;
    // A device whose hours are all alike has no spread: a tenth of its median stands in.
    const double spread = std::max(h.mad, 0.1 * h.median);
    return std::max({config_.min_bytes, h.median + k * spread, config_.min_factor * h.median});
}

std::optional<Finding> VolumeDetector::on_bytes(uint64_t mac, uint64_t bytes_out, double t) {
    if (!config_.enabled || bytes_out == 0) return std::nullopt;
    const int64_t hour = static_cast<int64_t>(std::floor(t / 3600));
    auto it = devices_.find(mac);
    if (it == devices_.end()) {
        if (devices_.size() >= max_devices_) {
            ++dropped_;
            return std::nullopt;
        }
        it = devices_.emplace(mac, History{hour, hour, 0, {}, 0, 0}).first;
    }
    History& h = it->second;
    if (hour < h.hour) return std::nullopt;  // a late record of an hour already judged
    roll(h, hour);
    h.current += bytes_out;
    if (!warm(h)) return std::nullopt;
    Stage stage = Stage::none;
    for (Stage s : {Stage::quarantine, Stage::restrict, Stage::alert})
        if (const double l = limit(h, s); l > 0 && static_cast<double>(h.current) >= l) {
            stage = s;
            break;
        }
    if (stage == Stage::none) return std::nullopt;
    const double lim = limit(h, stage);
    Finding f;
    f.mac = mac;
    f.detector = "volume";
    f.stage = stage;
    f.first = static_cast<double>(hour) * 3600;
    f.time = t;
    f.evidence = {{"bytes_out", h.current},
                  {"hour_start", static_cast<double>(hour) * 3600},
                  {"median", h.median},
                  {"mad", h.mad},
                  {"history_hours", h.past.size()},
                  {"limit", lim},
                  {"mads", config_.thresholds.of(stage)}};
    f.message = fmt::format(
        "{} sent {} in this hour so far, against a median of {} (spread {}) over its {} hours before: more than its "
        "{} limit of {} ({} MADs above its median).",
        MacAddress::from_u64(mac).to_string(), mb(static_cast<double>(h.current)), mb(h.median), mb(h.mad),
        h.past.size(), to_string(stage), mb(lim), config_.thresholds.of(stage));
    return f;
}

void VolumeDetector::seed(uint64_t mac, const std::vector<std::pair<int64_t, uint64_t>>& hours) {
    if (!config_.enabled || hours.empty() || devices_.size() >= max_devices_) return;
    History h;
    h.first_hour = h.hour = hours.front().first;
    for (const auto& [hour, bytes] : hours) {
        if (hour < h.hour) continue;
        roll(h, hour);
        h.current += bytes;
    }
    devices_[mac] = std::move(h);
}

nlohmann::json VolumeDetector::status(uint64_t mac) const {
    const auto it = devices_.find(mac);
    if (it == devices_.end()) return nullptr;
    const History& h = it->second;
    return {{"hours", h.past.size()},
            {"warm", warm(h)},
            {"warmup_hours", config_.warmup_hours},
            {"median", h.median},
            {"mad", h.mad},
            {"limit", warm(h) ? nlohmann::json(limit(h, Stage::alert)) : nlohmann::json(nullptr)}};
}

}  // namespace spin::nmf
