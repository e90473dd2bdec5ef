// How long each roll-up level is kept (controller.yaml, store.retention).
#pragma once

#include <cstdint>

namespace spin::nmf {

struct Retention {
    int64_t minutes = 2 * 86400;  // seconds of minute buckets kept
    int64_t hours = 60 * 86400;   // seconds of hour buckets
    int64_t days = 730 * 86400;   // seconds of day buckets (and of events)
};

// The three levels, finest first: bucket size and table.
struct Level {
    const char* name;   // "minute", "hour", "day"
    int64_t seconds;    // bucket size
    const char* table;  // traffic_minute, ...
};
inline constexpr Level kLevels[] = {
    {"minute", 60, "traffic_minute"}, {"hour", 3600, "traffic_hour"}, {"day", 86400, "traffic_day"}};

inline int64_t kept_seconds(const Retention& r, int level) {
    return level == 0 ? r.minutes : level == 1 ? r.hours : r.days;
}

}  // namespace spin::nmf
