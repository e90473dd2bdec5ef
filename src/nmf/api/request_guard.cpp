#include "nmf/api/request_guard.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace spin::nmf {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// "name:port", "1.2.3.4:port", "[::1]:port" or without the port -> the host.
std::string host_part(const std::string& value) {
    if (!value.empty() && value[0] == '[') {
        const size_t close = value.find(']');
        return close == std::string::npos ? std::string{} : value.substr(0, close + 1);
    }
    return value.substr(0, value.find(':'));
}

bool address_literal(const std::string& host) {
    unsigned char buf[16];
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
    return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

bool is_write(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

}  // namespace

RequestGuard::RequestGuard(std::vector<std::string> names) {
    for (auto& n : names) {
        n = lower(n);
        while (!n.empty() && n.back() == '.') n.pop_back();
        if (!n.empty()) names_.push_back(n);
    }
}

bool RequestGuard::acceptable_host(const std::string& value) const {
    std::string host = lower(host_part(value));
    while (!host.empty() && host.back() == '.') host.pop_back();
    if (host.empty()) return false;
    if (address_literal(host) || host == "localhost") return true;
    return std::find(names_.begin(), names_.end(), host) != names_.end();
}

std::optional<RequestGuard::Refusal> RequestGuard::check(const httplib::Request& req) const {
    // Clients that are no browser may leave Host out (HTTP/1.0); browsers never do.
    const std::string host = req.get_header_value("Host");
    if (!host.empty() && !acceptable_host(host))
        return Refusal{403, "Host '" + host.substr(0, 200) +
                                "' is not an address of this API nor one of api.hosts (a page that rebinds its "
                                "own name to this address is refused)"};
    if (req.has_header("Origin")) {
        const std::string origin = req.get_header_value("Origin");
        const size_t scheme = origin.find("://");
        const std::string rest = scheme == std::string::npos ? std::string{} : origin.substr(scheme + 3);
        if (rest.empty() || !acceptable_host(rest.substr(0, rest.find('/'))))
            return Refusal{403, "requests from the web page of origin '" + origin.substr(0, 200) + "' are refused"};
    }
    if (is_write(req.method)) {
        std::string media = lower(req.get_header_value("Content-Type"));
        media = media.substr(0, media.find(';'));
        media.erase(0, media.find_first_not_of(" \t"));
        media.erase(media.find_last_not_of(" \t") + 1);
        if (media != "application/json")
            return Refusal{415, "a " + req.method + " needs 'Content-Type: application/json'"};
    }
    return std::nullopt;
}

bool bearer_token_matches(const httplib::Request& req, const std::string& token) {
    const std::string header = req.get_header_value("Authorization");
    constexpr char kBearer[] = "Bearer ";
    if (header.rfind(kBearer, 0) != 0 || token.empty()) return false;
    const std::string given = header.substr(sizeof(kBearer) - 1);
    unsigned diff = given.size() == token.size() ? 0 : 1;
    for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned>(given[i] ^ token[i % token.size()]);
    return diff == 0;
}

}  // namespace spin::nmf
