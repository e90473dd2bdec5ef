// Per-device totals for Prometheus' per-device series (spin_device_*): what
// each record added, summed per MAC since the controller started.  Bounded:
// at most kMaxDevices MACs are followed (a device making up MACs fills it,
// the rest is counted, not held); only confirmed devices are shown, at most
// export.prometheus.max_devices of them, the most recently seen first.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "nmf/model/device_model.h"
#include "nmf/store/traffic.h"
#include "proto/flow_record.h"

namespace spin::controller {

struct DeviceSeries {
    std::string mac;
    nmf::TrafficCounters totals;
    double last_seen = 0;
    std::string stage;
};

class DeviceTotals {
public:
    static constexpr size_t kMaxDevices = 4096;

    void on_flow(const proto::FlowRecord& r, const nmf::TrafficCounters& added);
    std::vector<DeviceSeries> series(const nmf::DeviceModel& model, size_t max) const;
    uint64_t untracked() const { return untracked_; }

private:
    std::unordered_map<uint64_t, nmf::TrafficCounters> totals_;
    uint64_t untracked_ = 0;  // records of MACs past kMaxDevices
};

}  // namespace spin::controller
