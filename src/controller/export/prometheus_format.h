// The exposition format's small rules, shared by what writes /metrics: a
// metric's HELP and TYPE lines, and label values escaped.
#pragma once

#include <string>

#include <fmt/format.h>

namespace spin::controller {

enum class Kind { counter, gauge };

inline void header(std::string& out, const std::string& name, Kind kind, const char* help) {
    out += fmt::format("# HELP spin_{} {}\n# TYPE spin_{} {}\n", name, help, name,
                       kind == Kind::counter ? "counter" : "gauge");
}

// A label value as the format wants it: backslash, quote and newline escaped.
inline std::string label_value(const std::string& v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace spin::controller
