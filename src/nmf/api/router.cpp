#include "nmf/api/router.h"

#include <algorithm>
#include <set>

#include "nmf/api/time_param.h"

namespace spin::nmf {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    // Replacement of invalid UTF-8 keeps hostile names in the model from
    // making a response unserialisable.
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, json{{"error", message}, {"status", status}});
}

std::vector<std::string> Router::split(const std::string& path) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = std::min(path.find('/', start), path.size());
        out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    if (out.size() > 1 && out.back().empty()) out.pop_back();  // a trailing slash
    return out;
}

bool Router::match(const Route& route, const std::vector<std::string>& segments, PathArgs& args) {
    if (segments.size() != route.segments.size()) return false;
    args.clear();
    for (size_t i = 0; i < segments.size(); ++i) {
        if (route.segments[i] == "{}") {
            if (segments[i].empty()) return false;
            args.push_back(segments[i]);
        } else if (route.segments[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
    std::vector<std::string> segments = split(pattern);
    for (auto& s : segments)
        if (s.size() > 2 && s.front() == '{' && s.back() == '}') s = "{}";
    routes_.push_back(Route{method, pattern, std::move(segments), std::move(handler)});
}

std::vector<std::string> Router::listing() const {
    std::vector<std::pair<std::string, std::string>> listed;  // pattern, methods
    for (const Route& r : routes_) {
        auto it = std::find_if(listed.begin(), listed.end(), [&](const auto& l) { return l.first == r.pattern; });
        if (it == listed.end())
            listed.emplace_back(r.pattern, r.method);
        else
            it->second += "|" + r.method;
    }
    std::vector<std::string> out;
    for (const auto& [pattern, methods] : listed) out.push_back(methods + " " + pattern);
    return out;
}

void Router::dispatch(const httplib::Request& req, httplib::Response& res) const {
    std::set<std::string> allowed;
    const std::vector<std::string> segments = split(req.path);
    PathArgs match;
    for (const Route& r : routes_) {
        if (!Router::match(r, segments, match)) continue;
        const std::string method = req.method == "HEAD" ? "GET" : req.method;
        if (r.method != method) {
            allowed.insert(r.method);
            continue;
        }
        try {
            r.handler(req, res, match);
        } catch (const ApiError& e) {
            send_error(res, e.status, e.what());
        }
        return;
    }
    if (allowed.empty()) {
        send_error(res, 404, "no such route: " + req.method + " " + req.path + " (see docs/api.md)");
        return;
    }
    std::string list;
    for (const auto& m : allowed) list += (list.empty() ? "" : ", ") + m;
    res.set_header("Allow", list);
    if (req.method == "OPTIONS") {
        res.status = 204;
        return;
    }
    send_error(res, 405, "method " + req.method + " not allowed on " + req.path + " (allowed: " + list + ")");
}

QueryParams::QueryParams(const httplib::Request& req, std::initializer_list<const char*> allowed) {
    const auto q = req.target.find('?');
    if (q != std::string::npos) httplib::detail::parse_query_text(req.target.substr(q + 1), params_);
    const std::set<std::string> names(allowed.begin(), allowed.end());
    for (const auto& [name, value] : params_)
        if (!names.count(name)) {
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
            throw ApiError(400, "unknown parameter '" + name + "'" +
                                    (list.empty() ? " (this route takes none)" : " (expected " + list + ")"));
        }
    for (const auto& name : names)
        if (params_.count(name) > 1) throw ApiError(400, "parameter '" + name + "' is given twice");
}

bool QueryParams::has(const char* name) const { return params_.count(name) != 0; }

std::string QueryParams::value(const char* name) const {
    const auto it = params_.find(name);
    return it == params_.end() ? std::string{} : it->second;
}

std::string QueryParams::text(const char* name, const std::string& fallback) const {
    return has(name) ? value(name) : fallback;
}

std::optional<double> QueryParams::time(const char* name) const {
    if (!has(name)) return std::nullopt;
    const auto t = parse_time(value(name));
    if (!t)
        throw ApiError(400, std::string("'") + name + "': '" + value(name) +
                                "' is not a time (seconds since the epoch or ISO 8601, e.g. 2016-09-22T10:00:00Z)");
    return t;
}

std::optional<int64_t> QueryParams::integer(const char* name, int64_t min, int64_t max) const {
    if (!has(name)) return std::nullopt;
    const std::string v = value(name);
    size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (v.empty() || used != v.size())
        throw ApiError(400, std::string("'") + name + "': '" + v + "' is not a whole number");
    if (n < min || n > max)
        throw ApiError(400, std::string("'") + name + "': " + v + " is out of range " + std::to_string(min) + ".." +
                                std::to_string(max));
    return n;
}

std::optional<bool> QueryParams::boolean(const char* name) const {
    if (!has(name)) return std::nullopt;
    const std::string v = value(name);
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    throw ApiError(400, std::string("'") + name + "': '" + v + "' is not true or false");
}

json json_body(const httplib::Request& req) {
    if (req.body.empty()) throw ApiError(400, "the request needs a JSON object as its body");
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) throw ApiError(400, "the body is not valid JSON");
    if (!body.is_object()) throw ApiError(400, "the body must be a JSON object");
    return body;
}

}  // namespace spin::nmf
