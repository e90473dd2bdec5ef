#include "nmf/api/time_param.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace spin::nmf {

namespace {

bool digits(const std::string& s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

std::optional<double> parse_iso(const std::string& s) {
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (!digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day))
        return std::nullopt;
    size_t pos = 10;
    double fraction = 0;
    int offset = 0;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
        if (!digits(s, pos + 1, 2, hour) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, minute))
            return std::nullopt;
        pos += 6;
        if (pos < s.size() && s[pos] == ':') {
            if (!digits(s, pos + 1, 2, second)) return std::nullopt;
            pos += 3;
            if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
                size_t end = pos + 1;
                double scale = 0.1;
                while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end])))
                    fraction += (s[end++] - '0') * scale, scale /= 10;
                if (end == pos + 1) return std::nullopt;
                pos = end;
            }
        }
        if (pos < s.size()) {
            if (s[pos] == 'Z' && pos + 1 == s.size()) {
                pos += 1;
            } else if (s[pos] == '+' || s[pos] == '-') {
                int oh, om;
                const bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
                if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + (colon ? 4 : 3), 2, om)) return std::nullopt;
                offset = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
                pos += colon ? 6 : 5;
            }
            if (pos != s.size()) return std::nullopt;
        }
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    const time_t t = timegm(&tm);
    if (tm.tm_mday != day) return std::nullopt;  // 31 February and the like were normalised
    return static_cast<double>(t) - offset + fraction;
}

}  // namespace

std::optional<double> parse_time(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && std::isfinite(v) && v >= 0 && v < 1e11 &&
        text.find_first_of("xXpPeE") == std::string::npos)
        return v;
    return parse_iso(text);
}

}  // namespace spin::nmf
