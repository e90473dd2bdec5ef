// What every request must be before the routes see it: the API's defence
// against web pages in the owner's browser (docs/security.md).
//
//   - Host: an address literal, "localhost", or one of api.hosts.  A DNS-
//     rebinding page reaches the API under its own name, which is none of
//     these, so it is refused before it can read or write anything.
//   - Origin, when a browser sends one: the same test on its host ("null",
//     a sandboxed or file page, is refused).
//   - Writes (POST, PUT, PATCH, DELETE) carry Content-Type: application/json:
//     a browser sends that cross-origin only after a preflight (OPTIONS), and
//     the API answers no preflight with permission, nor any request with CORS
//     headers.  A form or a fetch with text/plain is refused with 415.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

namespace spin::nmf {

class RequestGuard {
public:
    explicit RequestGuard(std::vector<std::string> names);

    struct Refusal {
        int status;
        std::string message;
    };
    // nullopt: the request may go on.
    std::optional<Refusal> check(const httplib::Request& req) const;

    // Whether `host` (a Host header's value, port included or not) names this API.
    bool acceptable_host(const std::string& host) const;

private:
    std::vector<std::string> names_;  // lower case, no trailing dot
};

// Whether `req` carries 'Authorization: Bearer TOKEN' with `token` (never
// when `token` is empty), compared in constant time so that the token
// cannot be guessed byte by byte.
bool bearer_token_matches(const httplib::Request& req, const std::string& token);

}  // namespace spin::nmf
