#include "nmf/ingest/event_budget.h"

#include <cmath>

namespace spin::nmf {

EventBudget EventBudget::home() {
    return EventBudget({{"device_new", 60},
                        {"device_changed", 240},
                        {"destination_new", 600},
                        {"dhcp_mismatch", 60},
                        {"mud_violation", 600},
                        {"mud_url_changed", 60},
                        {"alert", 600},
                        {"decision", 600}});
}

void EventBudget::advance(double time) {
    const auto minute = static_cast<int64_t>(std::floor(time / 60));
    if (minute <= minute_) return;
    if (!suppressed_.empty()) {
        // Minutes not yet read out add up into one summary.
        if (!summary_)
            summary_ = nlohmann::json{{"window_start", static_cast<double>(minute_ * 60)},
                                      {"suppressed", nlohmann::json::object()}};
        (*summary_)["window_end"] = static_cast<double>((minute_ + 1) * 60);
        auto& counts = (*summary_)["suppressed"];
        for (const auto& [type, n] : suppressed_) counts[type] = counts.value(type, uint64_t{0}) + n;
    }
    minute_ = minute;
    admitted_.clear();
    suppressed_.clear();
}

bool EventBudget::admit(const std::string& type, double time) {
    const auto limit = per_minute_.find(type);
    if (limit == per_minute_.end()) return true;
    advance(time);
    uint32_t& n = admitted_[type];
    if (n < limit->second) {
        ++n;
        return true;
    }
    ++suppressed_[type];
    ++suppressed_total_;
    return false;
}

std::optional<nlohmann::json> EventBudget::take_summary() {
    std::optional<nlohmann::json> out;
    out.swap(summary_);
    return out;
}

}  // namespace spin::nmf
