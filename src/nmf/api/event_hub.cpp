#include "nmf/api/event_hub.h"

#include <nlohmann/json.hpp>

namespace spin::nmf {

using nlohmann::json;

void EventHub::push(HubItem item) {
    item.seq = next_seq_++;
    items_.push_back(std::move(item));
    while (items_.size() > capacity_) items_.pop_front();
}

void EventHub::publish(const StoreBatch& batch, const std::vector<int64_t>& event_ids, double wall_now) {
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < batch.events.size(); ++i) {
            json doc = batch.events[i].doc;
            if (i < event_ids.size()) doc["id"] = event_ids[i];
            push(HubItem{0, batch.events[i].type, batch.events[i].device, doc.dump()});
        }
        for (const TrafficRow& r : batch.traffic) second_[r.mac] += r.counters;
        if (second_start_ == 0) second_start_ = wall_now;
        if (wall_now - second_start_ >= 1.0) {
            if (!second_.empty()) {
                json devices = json::array();
                for (const auto& [mac, c] : second_)
                    devices.push_back({{"mac", mac},
                                       {"pkts_out", c.pkts_out},
                                       {"bytes_out", c.bytes_out},
                                       {"pkts_in", c.pkts_in},
                                       {"bytes_in", c.bytes_in},
                                       {"blocked_pkts", c.blocked_pkts}});
                const json doc = {{"type", "traffic"},
                                  {"time", wall_now},
                                  {"interval", wall_now - second_start_},
                                  {"devices", std::move(devices)}};
                push(HubItem{0, "traffic", "", doc.dump()});
            }
            second_.clear();
            second_start_ = wall_now;
        }
    }
    cv_.notify_all();
}

std::vector<HubItem> EventHub::wait(uint64_t after, std::chrono::milliseconds timeout, uint64_t& missed) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return stopped_ || (!items_.empty() && items_.back().seq > after); });
    std::vector<HubItem> out;
    missed = 0;
    if (items_.empty()) return out;
    if (after + 1 < items_.front().seq) missed = items_.front().seq - after - 1;
    for (const HubItem& item : items_)
        if (item.seq > after) out.push_back(item);
    return out;
}

uint64_t EventHub::latest() const {
    std::lock_guard lock(mutex_);
    return next_seq_ - 1;
}

void EventHub::stop() {
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    cv_.notify_all();
}

bool EventHub::stopped() const {
    std::lock_guard lock(mutex_);
    return stopped_;
}

}  // namespace spin::nmf
