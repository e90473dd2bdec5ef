// One bounded HTTPS GET for the MUD engine: https only (redirects too), the
// server's certificate checked against the system's CAs and an extra one,
// at most so many redirects, bytes and seconds.  What a hostile or broken
// server can cost the controller is bounded by these, nothing else.
#pragma once

#include <cstdint>
#include <string>

namespace spin::controller {

struct HttpsOptions {
    std::string extra_ca;  // a PEM file trusted besides the system's CAs; "" for none
    std::string accept;    // the Accept header
    double timeout = 10;   // seconds, for the whole exchange with its redirects
    uint64_t max_bytes = 1 << 20;
    uint32_t max_redirects = 3;
};

struct HttpsResponse {
    bool ok = false;    // a 200 with a body within the bounds
    std::string error;  // why not, for people
    std::string body;
    std::string final_url;  // after redirects
    std::string content_type;
};

struct HttpsUrl {
    std::string host;
    int port = 443;
    std::string path;  // with the query; "/" at least
};
// Splits an https:// URL; false, and why in *error, for anything else.
bool parse_https_url(const std::string& url, HttpsUrl* out, std::string* error);

HttpsResponse https_get(const std::string& url, const HttpsOptions& options);

}  // namespace spin::controller
