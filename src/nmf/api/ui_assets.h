// The web UI's built files (src/ui, docs/ui.md), served by the API's server
// outside /api/.  They are read into memory once, at start: no request reads
// the disk, so no path a client sends can reach outside the directory, and a
// rebuild of the UI under a running controller cannot serve half a bundle.
//
// The UI's pages (/, /devices, /devices/{mac}, /events, /agents, /blocks)
// answer index.html, which loads the bundle and routes in the browser.  The
// bundler's files under /assets/ carry a content hash in their names, so
// they are cached for a year; index.html is revalidated (ETag) every time.
// Every answer carries a Content-Security-Policy that lets the page run only
// its own scripts and styles and speak only to its own origin.
#pragma once

#include <map>
#include <string>

#include <httplib.h>

namespace spin::nmf {

class UiAssets {
public:
    // No UI: every page answers 404 saying how to build one.
    UiAssets() = default;
    // Reads every file under `dir`; throws std::runtime_error when it holds
    // no index.html, a name the UI's build never makes, or more than 32 MiB.
    static UiAssets load(const std::string& dir);

    bool empty() const { return files_.empty(); }
    size_t files() const { return files_.size(); }
    // Answers a request for a path outside /api/.
    void serve(const httplib::Request& req, httplib::Response& res) const;

    static const char* const kContentSecurityPolicy;

private:
    struct File {
        std::string body;
        std::string type;
        std::string etag;
        bool immutable = false;
    };
    static bool is_page(const std::string& path);
    std::map<std::string, File> files_;  // by URL path ("/index.html", "/assets/index-3f2a.js")
};

}  // namespace spin::nmf
