#include "controller/mud/https_get.h"

#include <chrono>

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace spin::controller {

namespace {

#ifndef SPIN_VERSION
#define SPIN_VERSION "0"
#endif
constexpr const char* kUserAgent = "spin-controller/" SPIN_VERSION " (MUD manager, RFC 8520)";

// The system's CAs and the extra one, in one store the client takes over.
X509_STORE* ca_store(const std::string& extra_ca, std::string* error) {
    X509_STORE* store = X509_STORE_new();
    if (store == nullptr) {
        *error = "out of memory for a certificate store";
        return nullptr;
    }
    X509_STORE_set_default_paths(store);
    if (!extra_ca.empty() && X509_STORE_load_file(store, extra_ca.c_str()) != 1) {
        X509_STORE_free(store);
        *error = fmt::format("cannot read the CA file '{}'", extra_ca);
        return nullptr;
    }
    return store;
}

std::string resolve_location(const HttpsUrl& base, const std::string& location) {
    if (location.rfind("https://", 0) == 0 || location.find("://") != std::string::npos) return location;
    const std::string origin =
        base.port == 443 ? "https://" + base.host : fmt::format("https://{}:{}", base.host, base.port);
    if (!location.empty() && location[0] == '/') return origin + location;
    const auto slash = base.path.rfind('/', base.path.find('?'));
    return origin + base.path.substr(0, slash + 1) + location;
}

}  // namespace

bool parse_https_url(const std::string& url, HttpsUrl* out, std::string* error) {
    constexpr std::string_view scheme = "https://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        *error = fmt::format("'{}' is not an https:// URL (only HTTPS is fetched)", url);
        return false;
    }
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (const auto hash = path.find('#'); hash != std::string::npos) path.resize(hash);
    if (path.empty() || path[0] != '/') path = "/" + path;
    if (authority.find('@') != std::string::npos) {
        *error = fmt::format("'{}' has user information; MUD URLs do not", url);
        return false;
    }
    HttpsUrl u;
    u.path = path;
    std::string port;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            *error = fmt::format("'{}' has an unclosed [", url);
            return false;
        }
        u.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                *error = fmt::format("'{}' has a malformed host", url);
                return false;
            }
            port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) port = authority.substr(colon + 1);
    }
    if (u.host.empty()) {
        *error = fmt::format("'{}' names no host", url);
        return false;
    }
    if (!port.empty() || authority.back() == ':') {
        char* end = nullptr;
        const unsigned long p = std::strtoul(port.c_str(), &end, 10);
        if (port.empty() || *end != '\0' || p == 0 || p > 65535) {
            *error = fmt::format("'{}' has a port that is not 1..65535", url);
            return false;
        }
        u.port = static_cast<int>(p);
    }
    *out = std::move(u);
    return true;
}

HttpsResponse https_get(const std::string& url, const HttpsOptions& options) {
    using Clock = std::chrono::steady_clock;
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout));
    HttpsResponse out;
    std::string current = url;
    for (uint32_t hop = 0;; ++hop) {
        HttpsUrl u;
        if (!parse_https_url(current, &u, &out.error)) return out;
        std::string error;
        X509_STORE* store = ca_store(options.extra_ca, &error);
        if (store == nullptr) {
            out.error = error;
            return out;
        }
        httplib::SSLClient client(u.host, u.port);
        client.set_ca_cert_store(store);  // the client owns it now
        client.enable_server_certificate_verification(true);
        const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
        if (left <= 0) {
            out.error = fmt::format("{}: no answer within {} s", url, options.timeout);
            return out;
        }
        const auto whole = static_cast<time_t>(left);
        const auto micros = static_cast<time_t>((left - static_cast<double>(whole)) * 1e6);
        client.set_connection_timeout(whole, micros);
        client.set_read_timeout(whole, micros);
        client.set_write_timeout(whole, micros);
        httplib::Headers headers = {{"User-Agent", kUserAgent}};
        if (!options.accept.empty()) headers.emplace("Accept", options.accept);

        std::string body, too_much;
        int status = 0;
        std::string location, content_type;
        const auto result = client.Get(
            u.path, headers,
            [&](const httplib::Response& r) {
                status = r.status;
                location = r.get_header_value("Location");
                content_type = r.get_header_value("Content-Type");
                const std::string length = r.get_header_value("Content-Length");
                if (!length.empty() && std::strtoull(length.c_str(), nullptr, 10) > options.max_bytes) {
                    too_much = fmt::format("{} says it is {} bytes, more than the {} allowed", current, length,
                                           options.max_bytes);
                    return false;
                }
                return true;
            },
            [&](const char* data, size_t n) {
                if (status != 200) return true;  // a redirect's or an error's body is not kept
                if (body.size() + n > options.max_bytes) {
                    too_much = fmt::format("{} is more than the {} bytes allowed", current, options.max_bytes);
                    return false;
                }
                if (Clock::now() > deadline) {
                    too_much = fmt::format("{}: not complete within {} s", url, options.timeout);
                    return false;
                }
                body.append(data, n);
                return true;
            });
        if (!too_much.empty()) {
            out.error = too_much;
            return out;
        }
        if (!result) {
            const long verify = client.get_openssl_verify_result();
            out.error = fmt::format("{}: {}", current, httplib::to_string(result.error()));
            if (verify != X509_V_OK)
                out.error += fmt::format(" (certificate: {})", X509_verify_cert_error_string(verify));
            return out;
        }
        if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
            if (location.empty()) {
                out.error = fmt::format("{}: redirect {} without a Location", current, status);
                return out;
            }
            if (hop >= options.max_redirects) {
                out.error = fmt::format("{}: more than {} redirects", url, options.max_redirects);
                return out;
            }
            current = resolve_location(u, location);
            continue;
        }
        if (status != 200) {
            out.error = fmt::format("{}: HTTP status {}", current, status);
            return out;
        }
        out.ok = true;
        out.body = std::move(body);
        out.final_url = current;
        out.content_type = content_type;
        return out;
    }
}

}  // namespace spin::controller
