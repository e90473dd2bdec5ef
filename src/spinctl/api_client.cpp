#include "spinctl/api_client.h"

#include <cstdlib>

#include <httplib.h>

namespace po = boost::program_options;
using nlohmann::json;

namespace spin::spinctl {

ApiClient::ApiClient(const std::string& url, std::string token, double timeout_s) : token_(std::move(token)) {
    constexpr char kScheme[] = "http://";
    if (url.rfind(kScheme, 0) != 0)
        throw ApiCallError("--url '" + url +
                           "' must start with http:// (the controller serves plain HTTP; "
                           "put a TLS proxy in front of it for other hosts)");
    const std::string rest = url.substr(sizeof(kScheme) - 1);
    const auto slash = rest.find('/');
    const std::string host_port = rest.substr(0, slash);
    base_ = slash == std::string::npos ? "" : rest.substr(slash);
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    if (host_port.empty()) throw ApiCallError("--url '" + url + "' names no host");
    client_ = std::make_unique<httplib::Client>(std::string(kScheme) + host_port);
    const auto seconds = static_cast<time_t>(timeout_s);
    const auto usec = static_cast<time_t>((timeout_s - static_cast<double>(seconds)) * 1e6);
    client_->set_connection_timeout(seconds, usec);
    client_->set_read_timeout(seconds, usec);
    client_->set_write_timeout(seconds, usec);
}

ApiClient::~ApiClient() = default;
ApiClient::ApiClient(ApiClient&&) noexcept = default;

ApiResponse ApiClient::finish(const std::string& what, int status, const std::string& text) {
    ApiResponse r;
    r.status = status;
    r.body = json::parse(text, nullptr, false);
    if (r.body.is_discarded())
        throw ApiCallError(what + ": HTTP " + std::to_string(status) + " with a body that is not JSON");
    return r;
}

ApiResponse ApiClient::get(const std::string& path, const std::map<std::string, std::string>& params) {
    httplib::Params p(params.begin(), params.end());
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    const std::string full = base_ + path;
    auto res = client_->Get(full, p, headers);
    if (!res)
        throw ApiCallError("GET " + full + ": " + httplib::to_string(res.error()) +
                           " (is spin-controller running at that --url?)");
    return finish("GET " + full, res->status, res->body);
}

ApiResponse ApiClient::send(const std::string& method, const std::string& path, const json& body) {
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    const std::string full = base_ + path, text = body.is_null() ? "" : body.dump();
    httplib::Result res = method == "POST"    ? client_->Post(full, headers, text, "application/json")
                          : method == "PATCH" ? client_->Patch(full, headers, text, "application/json")
                          : method == "PUT"   ? client_->Put(full, headers, text, "application/json")
                                              : client_->Delete(full, headers, text, "application/json");
    if (!res)
        throw ApiCallError(method + " " + full + ": " + httplib::to_string(res.error()) +
                           " (is spin-controller running at that --url?)");
    return finish(method + " " + full, res->status, res->body);
}

void add_api_options(po::options_description& opts) {
    opts.add_options()(
        "url", po::value<std::string>()->value_name("URL"),
        "the controller API, e.g. http://127.0.0.1:8080 (default: $SPIN_API_URL, else http://127.0.0.1:8080)")(
        "token", po::value<std::string>()->value_name("TOKEN"),
        "bearer token (default: $SPIN_API_TOKEN); needed when the API is not on loopback")(
        "timeout", po::value<double>()->value_name("SECONDS")->default_value(10), "give up after this long")(
        "json", "print the API's JSON instead of a table");
}

ApiClient api_client_from(const po::variables_map& vm) {
    const char* env_url = std::getenv("SPIN_API_URL");
    const char* env_token = std::getenv("SPIN_API_TOKEN");
    const std::string url = vm.count("url")      ? vm["url"].as<std::string>()
                            : env_url != nullptr ? env_url
                                                 : kDefaultApiUrl;
    const std::string token = vm.count("token") ? vm["token"].as<std::string>() : env_token != nullptr ? env_token : "";
    return ApiClient(url, token, vm["timeout"].as<double>());
}

}  // namespace spin::spinctl
