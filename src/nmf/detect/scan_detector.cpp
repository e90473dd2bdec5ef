#include "nmf/detect/scan_detector.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "nmf/store/traffic.h"

namespace spin::nmf {

namespace tf = proto::tcp_flag;

ScanDetector::ScanDetector(const ScanConfig& config, uint32_t max_devices)
    : config_(config), exploit_(65536, false), windows_(config.window_s, max_devices) {
    for (const uint16_t p : config_.exploit_ports) exploit_[p] = true;
}

std::optional<Finding> ScanDetector::on_record(const proto::FlowRecord& r) {
    if (!config_.enabled || r.proto != 6 || r.initiator != static_cast<uint8_t>(proto::Initiator::lan))
        return std::nullopt;
    const uint64_t mac = MacAddress::to_u64(r.mac);
    const double t = static_cast<double>(r.last_us) / 1e6;
    const auto ev = static_cast<proto::FlowEvent>(r.event);
    if (ev != proto::FlowEvent::start) {
        // What came back for the device's connections: evidence, not score.
        if (Window* w = windows_.open(mac, t)) {
            if (r.pkts_in != 0 && (r.tcp_flags & tf::ack) && !(r.tcp_flags & tf::rst)) ++w->answered;
            if (r.tcp_flags & tf::rst) ++w->reset;
        }
        return std::nullopt;
    }
    if ((r.tcp_flags & (tf::syn | tf::ack)) != tf::syn) return std::nullopt;
    Window* w = windows_.at(mac, t);
    if (w == nullptr) return std::nullopt;
    const uint8_t weight =
        exploit_[r.remote_port] ? static_cast<uint8_t>(std::min<uint32_t>(config_.exploit_weight, 255)) : uint8_t{1};
    ++w->syns;
    if (weight > 1) ++w->exploit_syns;
    if (w->ports.size() < 4096 || w->ports.count(r.remote_port)) ++w->ports[r.remote_port];
    const uint64_t key = hash_bytes16(r.ip_version, r.remote_ip);
    auto [target, fresh] =
        w->targets.size() < kMaxTargets ? w->targets.emplace(key, 0) : std::pair{w->targets.find(key), false};
    if (target == w->targets.end()) {
        w->score += weight;  // past the cap: every SYN counts as new
    } else if (weight > target->second) {
        w->score += weight - target->second;
        target->second = weight;
    }
    if (fresh && w->examples.size() < 5)
        w->examples.emplace_back(IpPrefix::host(r.ip_version, r.remote_ip).address_text(), r.remote_port);
    peak_ = std::max(peak_, w->score);
    const Stage stage = config_.thresholds.reached(static_cast<double>(w->score));
    if (stage == Stage::none) return std::nullopt;

    std::vector<std::pair<uint64_t, uint16_t>> top;
    for (const auto& [port, n] : w->ports) top.emplace_back(n, port);
    std::sort(top.rbegin(), top.rend());
    if (top.size() > 5) top.resize(5);
    nlohmann::json ports = nlohmann::json::array(), examples = nlohmann::json::array();
    std::string port_text;
    for (const auto& [n, port] : top) {
        ports.push_back({{"port", port}, {"syns", n}});
        port_text += fmt::format("{}{} ({})", port_text.empty() ? "" : ", ", port, n);
    }
    std::string example_text;
    for (const auto& [ip, port] : w->examples) {
        examples.push_back({{"ip", ip}, {"port", port}});
        example_text += fmt::format("{}{}:{}", example_text.empty() ? "" : ", ", ip, port);
    }
    const double seconds = std::max(w->last - w->start, 1e-6);
    Finding f;
    f.mac = mac;
    f.detector = "scan";
    f.stage = stage;
    f.first = w->start;
    f.time = t;
    f.evidence = {{"syns", w->syns},
                  {"distinct_targets", w->targets.size()},
                  {"score", w->score},
                  {"exploit_port_syns", w->exploit_syns},
                  {"answered", w->answered},
                  {"reset", w->reset},
                  {"top_ports", std::move(ports)},
                  {"examples", std::move(examples)},
                  {"rate_per_s", static_cast<double>(w->syns) / seconds},
                  {"window_s", config_.window_s},
                  {"threshold", config_.thresholds.of(stage)}};
    f.message = fmt::format(
        "{} opened TCP connections to {} distinct addresses in {:.1f} s ({} SYNs, {:.0f} a second; {} of them on ports "
        "IoT malware probes; top ports {}; e.g. {}), {} answered so far: a scan, weighted score {} against the "
        "{} threshold of {}.",
        MacAddress::from_u64(mac).to_string(), w->targets.size(), seconds, w->syns,
        static_cast<double>(w->syns) / seconds, w->exploit_syns, port_text, example_text, w->answered, w->score,
        to_string(stage), config_.thresholds.of(stage));
    return f;
}

}  // namespace spin::nmf
