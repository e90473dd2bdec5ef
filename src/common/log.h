// The one log of every SPIN process: stderr, one line per message, written
// with a single call so that threads never interleave within a line, and a
// level below which nothing is printed (--log-level).  Never called from a
// worker lcore: the dataplane counts, it does not log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace spin {

enum class LogLevel : uint8_t { debug, info, warning, error };

// Set once at start by the process: its name (the prefix of every line) and
// the lowest level that is printed.  Before that: "spin", info.
void log_init(std::string_view program, LogLevel lowest);
// "debug", "info", "warning" or "error"; nullopt for anything else.
std::optional<LogLevel> log_level_from(std::string_view text);
bool log_enabled(LogLevel level);
void log_write(LogLevel level, std::string_view message);

template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
    if (log_enabled(LogLevel::debug)) log_write(LogLevel::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
    if (log_enabled(LogLevel::info)) log_write(LogLevel::info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
    if (log_enabled(LogLevel::warning)) log_write(LogLevel::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
    if (log_enabled(LogLevel::error)) log_write(LogLevel::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace spin
