// Routes of the API over cpp-httplib: method x path pattern -> handler, with
// the errors a client can act on: 404 for an unknown path, 405 (and Allow)
// for a known path with another method, 400 / 404 / 409 ... from handlers as
// ApiError.  Every error body is JSON: {"error": "...", "status": N}.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace spin::nmf {

struct ApiError : std::runtime_error {
    ApiError(int status, const std::string& message) : std::runtime_error(message), status(status) {}
    int status;
};

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, int status, const std::string& message);

// The values of a route's {placeholders}, in order.
using PathArgs = std::vector<std::string>;

class Router {
public:
    using Handler = std::function<void(const httplib::Request&, httplib::Response&, const PathArgs&)>;

    // `pattern`: a path whose segments are literal or {name} (one non-empty
    // segment); a trailing slash in the request is ignored.  No regular
    // expressions: std::regex recurses per character, and a long hostile
    // path would exhaust the stack.
    void add(const std::string& method, const std::string& pattern, Handler handler);
    void dispatch(const httplib::Request& req, httplib::Response& res) const;
    // "GET|PATCH /api/v1/devices/{mac}": every pattern with its methods, in
    // the order they were added.
    std::vector<std::string> listing() const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;  // "{}" for a placeholder
        Handler handler;
    };
    static std::vector<std::string> split(const std::string& path);
    static bool match(const Route& route, const std::vector<std::string>& segments, PathArgs& args);
    std::vector<Route> routes_;
};

// Query parameters: refuses unknown names (so a typo is not silently
// ignored) and converts values, throwing ApiError 400 with the reason.
class QueryParams {
public:
    QueryParams(const httplib::Request& req, std::initializer_list<const char*> allowed);
    bool has(const char* name) const;
    std::string text(const char* name, const std::string& fallback = "") const;
    std::optional<double> time(const char* name) const;
    std::optional<int64_t> integer(const char* name, int64_t min, int64_t max) const;
    std::optional<bool> boolean(const char* name) const;

private:
    std::string value(const char* name) const;
    // From the URL only: httplib also files a form-encoded body as params.
    httplib::Params params_;
};

// The body as a JSON object, or ApiError 400 saying why not.
nlohmann::json json_body(const httplib::Request& req);

}  // namespace spin::nmf
