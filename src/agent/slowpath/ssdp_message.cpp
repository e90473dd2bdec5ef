#include "agent/slowpath/ssdp_message.h"

#include <fmt/format.h>

namespace spin::slowpath {

namespace {

constexpr size_t kMaxMessage = 8192;
constexpr size_t kMaxValue = 512;

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return s.substr(b, e - b);
}

// Header values end up in JSON and logs: keep printable ASCII only.
std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s.substr(0, kMaxValue)) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    return out;
}

}  // namespace

std::string parse_ssdp(const uint8_t* data, size_t len, SsdpMessage& out) {
    out = SsdpMessage{};
    if (len == 0) return "empty message";
    if (len > kMaxMessage) return fmt::format("{} bytes is too long for SSDP", len);
    const std::string text(reinterpret_cast<const char*>(data), len);
    size_t pos = text.find('\n');
    if (pos == std::string::npos) return "no line end after the start line";
    std::string start = text.substr(0, pos);
    if (!start.empty() && start.back() == '\r') start.pop_back();
    const std::string s = lower(start);
    if (s.rfind("notify * http/1.", 0) == 0)
        out.method = "notify";
    else if (s.rfind("m-search * http/1.", 0) == 0)
        out.method = "m-search";
    else if (s.rfind("http/1.", 0) == 0 && s.size() >= 12 && s.substr(8, 4) == " 200")
        out.method = "response";
    else
        return "start line '" + printable(start.substr(0, 40)) + "' is not SSDP";
    ++pos;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) break;  // end of headers
        const size_t colon = line.find(':');
        if (colon == std::string::npos) return "header line without ':'";
        const std::string name = lower(trim(line.substr(0, colon)));
        const std::string value = printable(trim(line.substr(colon + 1)));
        if (name == "server" || (name == "user-agent" && out.server.empty()))
            out.server = value;
        else if (name == "nt" || name == "st")
            out.type = value;
        else if (name == "nts")
            out.nts = value;
        else if (name == "usn")
            out.usn = value;
        else if (name == "location")
            out.location = value;
    }
    return {};
}

}  // namespace spin::slowpath
