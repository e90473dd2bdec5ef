#include "nmf/detect/water_torture_detector.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "common/mac_address.h"

namespace spin::nmf {

WaterTortureDetector::WaterTortureDetector(const WaterTortureConfig& config, uint32_t max_devices)
    : config_(config), windows_(config.window_s, max_devices) {}

std::pair<std::string, std::string> WaterTortureDetector::split(const std::string& name) {
    std::string n = name;
    while (!n.empty() && n.back() == '.') n.pop_back();
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    const size_t last = n.rfind('.');
    if (last == std::string::npos || last == 0) return {n, ""};
    const size_t second = n.rfind('.', last - 1);
    if (second == std::string::npos) return {n, ""};
    return {n.substr(second + 1), n.substr(0, second)};
}

std::optional<Finding> WaterTortureDetector::on_answer(uint64_t mac, const std::string& query, const std::string& rcode,
                                                       double t) {
    if (!config_.enabled) return std::nullopt;
    auto [domain, label] = split(query);
    if (label.empty()) return std::nullopt;
    Window* window = windows_.at(mac, t);
    if (window == nullptr) return std::nullopt;
    Window& w = *window;
    auto d = w.domains.find(domain);
    if (d == w.domains.end()) {
        if (w.domains.size() >= kDomainsPerDevice) return std::nullopt;
        d = w.domains.emplace(domain, Domain{}).first;
        d->second.first = t;
    }
    Domain& dom = d->second;
    ++dom.answers;
    const bool nx = rcode == "NXDOMAIN";
    if (nx) ++dom.nxdomain;
    if (nx || rcode == "SERVFAIL") ++dom.errors;
    if (dom.labels.size() < kLabelsPerDomain && dom.labels.insert(label).second && dom.examples.size() < 5)
        dom.examples.push_back(label + "." + domain);
    const double ratio = static_cast<double>(dom.errors) / static_cast<double>(dom.answers);
    if (ratio >= config_.min_error_ratio) peak_ = std::max<uint64_t>(peak_, dom.labels.size());
    const Stage stage = ratio >= config_.min_error_ratio
                            ? config_.thresholds.reached(static_cast<double>(dom.labels.size()))
                            : Stage::none;
    if (stage == Stage::none) return std::nullopt;
    const double seconds = std::max(t - dom.first, 1e-6);
    Finding f;
    f.mac = mac;
    f.detector = "dns_water_torture";
    f.stage = stage;
    f.first = dom.first;
    f.time = t;
    f.evidence = {{"domain", domain},
                  {"distinct_labels", dom.labels.size()},
                  {"answers", dom.answers},
                  {"nxdomain", dom.nxdomain},
                  {"error_ratio", ratio},
                  {"queries_per_s", static_cast<double>(dom.answers) / seconds},
                  {"examples", dom.examples},
                  {"window_s", config_.window_s},
                  {"threshold", config_.thresholds.of(stage)}};
    f.message = fmt::format(
        "{} asked for {} distinct names under {} in {:.1f} s ({:.0f} queries a second, e.g. {}); {} of {} answers "
        "were errors ({} NXDOMAIN): DNS water torture against {}'s servers, past the {} threshold of {:.0f} "
        "names.",
        MacAddress::from_u64(mac).to_string(), dom.labels.size(), domain, seconds,
        static_cast<double>(dom.answers) / seconds, dom.examples.front(), dom.errors, dom.answers, dom.nxdomain, domain,
        to_string(stage), config_.thresholds.of(stage));
    return f;
}

}  // namespace spin::nmf
