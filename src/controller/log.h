// The controller's log: stderr, one line per message, thread-safe because
// fmt::print writes each line with a single call.
#pragma once

#include <fmt/format.h>

namespace spin::controller {

template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
    fmt::print(stderr, "spin-controller: {}\n", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
    fmt::print(stderr, "spin-controller: warning: {}\n", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace spin::controller
