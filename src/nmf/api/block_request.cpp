#include "nmf/api/block_request.h"

#include <arpa/inet.h>

#include <cctype>
#include <set>

#include "nmf/api/time_param.h"

namespace spin::nmf {

using nlohmann::json;

const char* to_string(BlockRequest::Kind kind) {
    switch (kind) {
        case BlockRequest::Kind::quarantine: return "quarantine";
        case BlockRequest::Kind::remote: return "remote";
        case BlockRequest::Kind::name: return "name";
    }
    return "?";
}

std::string normalise_mac(const std::string& text) {
    if (text.size() != 17) return "";
    std::string out = text;
    for (size_t i = 0; i < out.size(); ++i) {
        char& c = out[i];
        if (i % 3 == 2) {
            if (c != ':' && c != '-') return "";
            c = ':';
        } else {
            if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

namespace {

bool valid_prefix(const std::string& text) {
    const auto slash = text.find('/');
    const std::string address = text.substr(0, slash);
    unsigned char buf[16];
    int max_len;
    if (inet_pton(AF_INET, address.c_str(), buf) == 1) max_len = 32;
    else if (inet_pton(AF_INET6, address.c_str(), buf) == 1) max_len = 128;
    else return false;
    if (slash == std::string::npos) return true;
    const std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos) return false;
    return std::stoi(len) <= max_len;
}

bool valid_domain(const std::string& text) {
    const std::string name = text.rfind("*.", 0) == 0 ? text.substr(2) : text;
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
    size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
            if (++label > 63) return false;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

std::variant<BlockRequest, std::string> parse_block_request(const json& body, double now) {
    if (!body.is_object()) return std::string("the body must be a JSON object");
    static const std::set<std::string> known = {"mac", "type", "remote", "domain", "expires", "duration", "reason"};
    for (const auto& [key, value] : body.items())
        if (!known.count(key))
            return "unknown field '" + key + "' (expected mac, type, remote, domain, expires, duration, reason)";
    for (const char* key : {"mac", "type", "remote", "domain", "reason"})
        if (body.contains(key) && !body[key].is_string()) return std::string("'") + key + "' must be a string";
    BlockRequest r;
    if (!body.contains("mac")) return std::string("'mac' is required: the device to block");
    r.mac = normalise_mac(body["mac"].get<std::string>());
    if (r.mac.empty()) return "'mac': '" + body["mac"].get<std::string>() + "' is not a MAC address (aa:bb:cc:dd:ee:ff)";
    if ((std::stoi(r.mac.substr(0, 2), nullptr, 16) & 1) != 0)
        return "'mac': " + r.mac + " is a group address, not a device";
    const std::string type = body.value("type", "quarantine");
    if (type == "quarantine") r.kind = BlockRequest::Kind::quarantine;
    else if (type == "remote") r.kind = BlockRequest::Kind::remote;
    else if (type == "name") r.kind = BlockRequest::Kind::name;
    else return "'type': '" + type + "' is not a block type (quarantine, remote or name)";
    if (r.kind == BlockRequest::Kind::remote) {
        if (!body.contains("remote")) return std::string("a 'remote' block needs 'remote': an address or prefix");
        r.remote = body["remote"].get<std::string>();
        if (!valid_prefix(r.remote))
            return "'remote': '" + r.remote + "' is not an IPv4 / IPv6 address or prefix (e.g. 198.51.100.0/24)";
    } else if (body.contains("remote")) {
        return "'remote' is only for type remote";
    }
    if (r.kind == BlockRequest::Kind::name) {
        if (!body.contains("domain")) return std::string("a 'name' block needs 'domain': a DNS name or *.name");
        r.domain = body["domain"].get<std::string>();
        for (auto& c : r.domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!r.domain.empty() && r.domain.back() == '.') r.domain.pop_back();
        if (!valid_domain(r.domain)) return "'domain': '" + body["domain"].get<std::string>() + "' is not a DNS name";
    } else if (body.contains("domain")) {
        return "'domain' is only for type name";
    }
    if (body.contains("expires") && body.contains("duration"))
        return std::string("give either 'expires' or 'duration', not both");
    if (body.contains("expires")) {
        const json& e = body["expires"];
        const auto t = e.is_number() ? std::optional<double>(e.get<double>())
                       : e.is_string() ? parse_time(e.get<std::string>())
                                       : std::nullopt;
        if (!t) return std::string("'expires' must be seconds since the epoch or an ISO 8601 time");
        if (*t <= now) return std::string("'expires' is in the past");
        r.expires = *t;
    }
    if (body.contains("duration")) {
        const json& d = body["duration"];
        if (!d.is_number() || !(d.get<double>() > 0) || d.get<double>() > 100.0 * 365 * 86400)
            return std::string("'duration' must be a positive number of seconds");
        r.expires = now + d.get<double>();
    }
    if (body.contains("reason")) {
        r.reason = body["reason"].get<std::string>();
        if (r.reason.size() > 1024) return std::string("'reason' is longer than 1024 characters");
    }
    return r;
}

}  // namespace spin::nmf
