#include "spinctl/table.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "common/wall_clock.h"

namespace spin::spinctl {

namespace {

// Display width of UTF-8 text: count code points, not bytes.
size_t width(const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

void Table::print(std::ostream& out) const {
    std::vector<size_t> widths(header_.size());
    for (size_t i = 0; i < header_.size(); ++i) widths[i] = width(header_[i]);
    for (const auto& row : rows_)
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
            text += cells[i];
            if (i + 1 < cells.size()) text += std::string(widths[i] - width(cells[i]) + 2, ' ');
        }
        out << text << "\n";
    };
    line(header_);
    for (const auto& row : rows_) line(row);
}

std::string human_bytes(uint64_t bytes) {
    if (bytes < 10'000) return std::to_string(bytes);
    const char* units[] = {"kB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(bytes) / 1000;
    int u = 0;
    while (v >= 1000 && u < 4) v /= 1000, ++u;
    return fmt::format("{:.1f} {}", v, units[u]);
}

std::string utc_time(double seconds) {
    if (seconds <= 0) return "-";
    return utc_text(seconds, "%Y-%m-%d %H:%M:%S");
}

}  // namespace spin::spinctl
