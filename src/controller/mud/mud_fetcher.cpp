#include "controller/mud/mud_fetcher.h"

#include <nlohmann/json.hpp>

namespace spin::controller {

std::string signature_url_of(const std::string& url, const std::string& file_text) {
    // Read leniently: a file that does not parse has no signature to find,
    // and the parser reports what is wrong with it.
    const auto doc = nlohmann::json::parse(file_text, nullptr, false);
    if (doc.is_object()) {
        const auto mud = doc.find("ietf-mud:mud");
        if (mud != doc.end() && mud->is_object()) {
            const auto sig = mud->find("mud-signature");
            if (sig != mud->end() && sig->is_string() && !sig->get<std::string>().empty()) return *sig;
        }
    }
    constexpr std::string_view json = ".json";
    if (url.size() > json.size() && url.compare(url.size() - json.size(), json.size(), json) == 0)
        return url.substr(0, url.size() - json.size()) + ".p7s";
    return url + ".p7s";
}

MudFetcher::MudFetcher(HttpsOptions file, HttpsOptions signature)
    : file_(std::move(file)), signature_(std::move(signature)), thread_([this] { run(); }) {}

MudFetcher::~MudFetcher() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();  // a fetch in progress ends within its timeout
}

void MudFetcher::request(const std::string& url) {
    {
        std::lock_guard lock(mutex_);
        if (!pending_.insert(url).second) return;
        queue_.push_back(url);
    }
    wake_.notify_one();
}

bool MudFetcher::busy(const std::string& url) const {
    std::lock_guard lock(mutex_);
    return pending_.count(url) != 0;
}

std::vector<Fetched> MudFetcher::take() {
    std::lock_guard lock(mutex_);
    std::vector<Fetched> out;
    out.swap(done_);
    // Busy until its result is taken, so that "fetching" never reads false
    // between the fetch ending and the manager reading what it brought.
    for (const Fetched& f : out) pending_.erase(f.url);
    return out;
}

void MudFetcher::run() {
    for (;;) {
        std::string url;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
            if (stop_) return;
            url = queue_.front();
            queue_.pop_front();
        }
        Fetched f;
        f.url = url;
        f.file = https_get(url, file_);
        if (f.file.ok) {
            f.signature_url = signature_url_of(f.file.final_url, f.file.body);
            f.signature = https_get(f.signature_url, signature_);
        }
        std::lock_guard lock(mutex_);
        done_.push_back(std::move(f));
    }
}

}  // namespace spin::controller
