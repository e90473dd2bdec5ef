// spinctl's client of the controller API (docs/api.md): the URL and token
// from --url / --token or SPIN_API_URL / SPIN_API_TOKEN, JSON in and out.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

namespace httplib {
class Client;
}

namespace spin::spinctl {

inline constexpr char kDefaultApiUrl[] = "http://127.0.0.1:8080";

// What went wrong talking to the API, as a sentence for the user.
struct ApiCallError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ApiResponse {
    int status = 0;
    nlohmann::json body;
};

class ApiClient {
public:
    // `url`: http://HOST:PORT; throws ApiCallError if it is not one.
    ApiClient(const std::string& url, std::string token, double timeout_s);
    ~ApiClient();
    ApiClient(ApiClient&&) noexcept;

    ApiResponse get(const std::string& path, const std::map<std::string, std::string>& params = {});
    ApiResponse send(const std::string& method, const std::string& path, const nlohmann::json& body);

private:
    ApiResponse finish(const std::string& what, int status, const std::string& text);
    std::unique_ptr<httplib::Client> client_;
    std::string base_;
    std::string token_;
};

// --url, --token, --timeout, --json: the options every API command takes.
void add_api_options(boost::program_options::options_description& opts);
ApiClient api_client_from(const boost::program_options::variables_map& vm);

}  // namespace spin::spinctl
