#include "controller/export/device_totals.h"

#include <algorithm>

#include "common/mac_address.h"

namespace spin::controller {

void DeviceTotals::on_flow(const proto::FlowRecord& r, const nmf::TrafficCounters& added) {
    const uint64_t mac = MacAddress::to_u64(r.mac);
    auto it = totals_.find(mac);
    if (it == totals_.end()) {
        if (totals_.size() >= kMaxDevices) {
            ++untracked_;
            return;
        }
        it = totals_.emplace(mac, nmf::TrafficCounters{}).first;
    }
    it->second += added;
}

std::vector<DeviceSeries> DeviceTotals::series(const nmf::DeviceModel& model, size_t max) const {
    std::vector<DeviceSeries> out;
    for (const auto& [mac, d] : model.devices()) {
        if (!d.confirmed) continue;
        DeviceSeries s{mac, {}, d.seen.last, d.stage};
        if (const auto m = MacAddress::parse(mac))
            if (const auto it = totals_.find(m->to_u64()); it != totals_.end()) s.totals = it->second;
        out.push_back(std::move(s));
    }
    if (out.size() > max) {
        std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(max), out.end(),
                          [](const DeviceSeries& a, const DeviceSeries& b) { return a.last_seen > b.last_seen; });
        out.resize(max);
    }
    return out;
}

}  // namespace spin::controller
