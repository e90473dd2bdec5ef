// Per-device tumbling windows of packet time, bounded in number, shared by
// the windowed detectors (scan, floods, water torture).  `W` is a window's
// state with `double start, last` and a default constructor.  A device's
// window starts afresh once `window_s` has passed since its start.  At the
// bound, devices whose windows are long over (two windows without a thing
// seen) are forgotten; if none is, the new device is counted as dropped.
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace spin::nmf {

template <typename W>
class DeviceWindows {
public:
    DeviceWindows(double window_s, uint32_t max_devices) : window_s_(window_s), max_devices_(max_devices) {}

    // The device's current window at packet time t (made or restarted as
    // needed), or nullptr when the device cannot be watched (counted).
    W* at(uint64_t mac, double t) {
        auto it = windows_.find(mac);
        if (it == windows_.end()) {
            if (windows_.size() >= max_devices_) {
                for (auto d = windows_.begin(); d != windows_.end();)
                    d = t - d->second.last > 2 * window_s_ ? windows_.erase(d) : std::next(d);
                if (windows_.size() >= max_devices_) {
                    ++dropped_;
                    return nullptr;
                }
            }
            it = windows_.emplace(mac, fresh(t)).first;
        }
        W& w = it->second;
        if (t - w.start >= window_s_) w = fresh(t);
        w.last = std::max(w.last, t);
        return &w;
    }
    // The device's window if it has one and it is still open at t; nullptr otherwise.
    W* open(uint64_t mac, double t) {
        const auto it = windows_.find(mac);
        return it != windows_.end() && t - it->second.start < window_s_ ? &it->second : nullptr;
    }
    uint64_t dropped() const { return dropped_; }

private:
    static W fresh(double t) {
        W w{};
        w.start = w.last = t;
        return w;
    }

    double window_s_;
    uint32_t max_devices_;
    std::unordered_map<uint64_t, W> windows_;
    uint64_t dropped_ = 0;
};

}  // namespace spin::nmf
