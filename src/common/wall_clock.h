// The wall clock as every process reports time: seconds (or microseconds)
// since the epoch.  Packet times come from the dataplane's own clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace spin {

inline uint64_t epoch_us_now() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

inline double epoch_seconds_now() { return static_cast<double>(epoch_us_now()) / 1e6; }

// Seconds since the epoch as UTC text, to the second, in strftime's `format`.
inline std::string utc_text(double seconds, const char* format) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    return std::string(text, std::strftime(text, sizeof text, format, &tm));
}

}  // namespace spin
