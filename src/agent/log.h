// Control-side logging to stderr.  Never called from a worker lcore.
#pragma once

#include <fmt/format.h>

namespace spin::agent {

template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
    fmt::print(stderr, "spin-agent: {}\n", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
    fmt::print(stderr, "spin-agent: warning: {}\n", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace spin::agent
