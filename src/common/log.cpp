#include "common/log.h"

#include <atomic>
#include <cstdio>

namespace spin {

namespace {
// Written once before any thread logs; read by every thread.
std::atomic<LogLevel> g_lowest{LogLevel::info};
std::string g_program = "spin";
}  // namespace

void log_init(std::string_view program, LogLevel lowest) {
    g_program = program;
    g_lowest.store(lowest);
}

std::optional<LogLevel> log_level_from(std::string_view text) {
    if (text == "debug") return LogLevel::debug;
    if (text == "info") return LogLevel::info;
    if (text == "warning") return LogLevel::warning;
    if (text == "error") return LogLevel::error;
    return std::nullopt;
}

bool log_enabled(LogLevel level) { return level >= g_lowest.load(std::memory_order_relaxed); }

void log_write(LogLevel level, std::string_view message) {
    static const char* const marks[] = {"debug: ", "", "warning: ", "error: "};
    const std::string line = fmt::format("{}: {}{}\n", g_program, marks[static_cast<int>(level)], message);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace spin
