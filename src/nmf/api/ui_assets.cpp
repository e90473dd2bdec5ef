#include "nmf/api/ui_assets.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "nmf/api/router.h"

namespace spin::nmf {

namespace fs = std::filesystem;

const char* const UiAssets::kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

namespace {

constexpr uintmax_t kMaxTotal = 32u << 20;
constexpr size_t kMaxFiles = 2000;

// What the bundler writes: letters, digits, '.', '-', '_' per segment, no
// hidden files.  Anything else in the directory is not the UI's.
bool plain_segment(const std::string& s) {
    if (s.empty() || s[0] == '.') return false;
    for (const unsigned char c : s)
        if (!std::isalnum(c) && c != '.' && c != '-' && c != '_') return false;
    return true;
}

std::string media_type(const std::string& name) {
    const std::string ext = fs::path(name).extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".json" || ext == ".map") return "application/json";
    if (ext == ".webmanifest") return "application/manifest+json";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

std::string etag_of(const std::string& body) {
    uint64_t h = 14695981039346656037ull;  // FNV-1a: a cache validator, not a defence
    for (const unsigned char c : body) h = (h ^ c) * 1099511628211ull;
    char text[24];
    std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(h));
    return text;
}

}  // namespace

UiAssets UiAssets::load(const std::string& dir) {
    UiAssets out;
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(dir) / "index.html", ec))
        throw std::runtime_error("the UI directory '" + dir + "' holds no index.html (build it: tools/build)");
    uintmax_t total = 0;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        // A link could lead anywhere on the disk: the UI's build makes none.
        if (it->is_symlink())
            throw std::runtime_error("the UI directory '" + dir + "' holds a symbolic link, " + it->path().string() +
                                     ", which its build never makes");
        if (it->is_directory()) continue;
        const fs::path rel = fs::relative(it->path(), dir);
        std::string url;
        for (const auto& part : rel) {
            if (!plain_segment(part.string()))
                throw std::runtime_error("the UI directory '" + dir + "' holds '" + rel.string() +
                                         "', which its build never makes");
            url += "/" + part.string();
        }
        if (!it->is_regular_file()) continue;
        total += it->file_size();
        if (total > kMaxTotal || out.files_.size() >= kMaxFiles)
            throw std::runtime_error("the UI directory '" + dir + "' holds more than 32 MiB or 2000 files");
        std::ifstream in(it->path(), std::ios::binary);
        std::ostringstream body;
        body << in.rdbuf();
        if (!in) throw std::runtime_error("cannot read " + it->path().string());
        File f;
        f.body = body.str();
        f.type = media_type(url);
        f.etag = etag_of(f.body);
        f.immutable = url.rfind("/assets/", 0) == 0;
        out.files_.emplace(url, std::move(f));
    }
    if (ec) throw std::runtime_error("cannot read the UI directory '" + dir + "': " + ec.message());
    return out;
}

bool UiAssets::is_page(const std::string& path) {
    std::string p = path;
    if (p.size() > 1 && p.back() == '/') p.pop_back();
    if (p == "/" || p == "/devices" || p == "/events" || p == "/agents" || p == "/blocks") return true;
    constexpr char kDevice[] = "/devices/";
    const size_t n = sizeof(kDevice) - 1;
    return p.size() > n && p.compare(0, n, kDevice) == 0 && p.find('/', n) == std::string::npos;
}

void UiAssets::serve(const httplib::Request& req, httplib::Response& res) const {
    res.set_header("Content-Security-Policy", kContentSecurityPolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    if (req.method != "GET" && req.method != "HEAD") {
        res.set_header("Allow", "GET, HEAD");
        send_error(res, 405, "method " + req.method + " not allowed on " + req.path + " (the web UI's pages are read)");
        return;
    }
    if (files_.empty()) {
        send_error(res, 404,
                   "the web UI is not built: run tools/install-deps and tools/build (or set ui.dir); the API is at "
                   "/api/v1");
        return;
    }
    const auto it = files_.find(is_page(req.path) ? std::string("/index.html") : req.path);
    if (it == files_.end()) {
        send_error(res, 404, "no such page: " + req.path.substr(0, 200) + " (the API is at /api/v1)");
        return;
    }
    const File& f = it->second;
    res.set_header("ETag", f.etag);
    res.set_header("Cache-Control", f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (req.get_header_value("If-None-Match") == f.etag) {
        res.status = 304;
        return;
    }
    res.status = 200;
    res.set_content(f.body, f.type);
}

}  // namespace spin::nmf
