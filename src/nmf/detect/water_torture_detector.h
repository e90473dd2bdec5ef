// DNS water torture (docs/detection.md, "dns_water_torture"): one device
// asking for many distinct random names under one domain, which the
// domain's servers must all answer (NXDOMAIN): a flood that no cache
// absorbs.  Read from the agents' `dns` events (answers to queries the
// device really sent); the domain is the query's last two labels, the
// sub-label everything before them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "nmf/detect/detect_config.h"
#include "nmf/detect/device_windows.h"
#include "nmf/detect/finding.h"

namespace spin::nmf {

class WaterTortureDetector {
public:
    WaterTortureDetector(const WaterTortureConfig& config, uint32_t max_devices);
    // One answer the device received: its question and rcode (NOERROR, NXDOMAIN...).
    std::optional<Finding> on_answer(uint64_t mac, const std::string& query, const std::string& rcode, double t);
    uint64_t devices_dropped() const { return windows_.dropped(); }
    // The most distinct sub-labels of one domain in a window with enough errors: how near benign traffic comes.
    uint64_t peak() const { return peak_; }

    // "a.b.example.com" -> {"example.com", "a.b"}; no sub-label for a name of two labels or fewer.
    static std::pair<std::string, std::string> split(const std::string& name);

private:
    static constexpr size_t kDomainsPerDevice = 64;
    static constexpr size_t kLabelsPerDomain = 4096;
    struct Domain {
        double first = 0;  // its first answer in the window
        uint64_t answers = 0, errors = 0, nxdomain = 0;
        std::unordered_set<std::string> labels;
        std::vector<std::string> examples;
    };
    struct Window {
        double start = 0, last = 0;
        std::unordered_map<std::string, Domain> domains;
    };

    WaterTortureConfig config_;
    DeviceWindows<Window> windows_;
    uint64_t peak_ = 0;
};

}  // namespace spin::nmf
