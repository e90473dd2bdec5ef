// Fetches MUD files and their signatures on a thread of its own, so that a
// slow or hostile server never holds up the ingest loop: the MUD manager
// asks for a URL and later takes what came back.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controller/mud/https_get.h"

namespace spin::controller {

struct Fetched {
    std::string url;  // as asked
    HttpsResponse file;
    std::string signature_url;  // from the file's mud-signature, else the URL with .json as .p7s
    HttpsResponse signature;    // ok false: none could be had (signature.error says why)
};

// The signature's URL: the file's `mud-signature` leaf where it has one,
// else RFC 8520's convention (".json" replaced by ".p7s", else ".p7s" added).
std::string signature_url_of(const std::string& url, const std::string& file_text);

class MudFetcher {
public:
    // `file` and `signature`: the bounds of each kind of request.
    MudFetcher(HttpsOptions file, HttpsOptions signature);
    ~MudFetcher();
    MudFetcher(const MudFetcher&) = delete;
    MudFetcher& operator=(const MudFetcher&) = delete;

    // Queues a fetch; a URL already queued or being fetched is not queued again.
    void request(const std::string& url);
    std::vector<Fetched> take();
    bool busy(const std::string& url) const;

private:
    void run();

    const HttpsOptions file_, signature_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    std::set<std::string> pending_;  // queued, in progress, or done and not yet taken
    std::vector<Fetched> done_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace spin::controller
