#include "nmf/detect/detection.h"

#include <fmt/format.h>

#include "common/mac_address.h"

namespace spin::nmf {

const std::vector<std::string>& detector_names() {
    static const std::vector<std::string> names{"mirai_scan",        "scan",       "syn_flood",
                                                "udp_flood",         "icmp_flood", "ack_flood",
                                                "dns_water_torture", "volume",     "profile"};
    return names;
}

Detection::Detection(const DetectConfig& config, Sink sink)
    : config_(config),
      sink_(std::move(sink)),
      scan_(config.scan, config.max_devices),
      flood_(config.flood, config.max_devices),
      dns_(config.dns_water_torture, config.max_devices),
      volume_(config.volume, config.max_devices) {}

void Detection::on_record(const proto::FlowRecord& r, const TrafficCounters& added) {
    if (MacAddress::is_group(r.mac) || MacAddress::to_u64(r.mac) == 0) return;
    if (auto f = scan_.on_record(r)) consider(std::move(*f));
    if (auto f = flood_.on_record(r, added)) consider(std::move(*f));
    if (auto f = volume_.on_bytes(MacAddress::to_u64(r.mac), added.bytes_out, static_cast<double>(r.last_us) / 1e6))
        consider(std::move(*f));
}

void Detection::on_dns(const std::string& mac, const proto::DnsEvent& e, double time) {
    const auto m = MacAddress::parse(mac);
    if (!m || e.query.empty()) return;
    if (auto f = dns_.on_answer(m->to_u64(), e.query, e.rcode, time)) consider(std::move(*f));
}

void Detection::seed_volume(const std::string& mac, const std::vector<std::pair<int64_t, uint64_t>>& hours) {
    if (const auto m = MacAddress::parse(mac)) volume_.seed(m->to_u64(), hours);
}

void Detection::on_violation(const std::string& mac, const nlohmann::json& violation, double time) {
    const auto m = MacAddress::parse(mac);
    if (!m || !config_.profile.enabled) return;
    const uint64_t n = ++violations_[m->to_u64()];
    peak_violations_ = std::max(peak_violations_, n);
    const Stage stage = config_.profile.thresholds.reached(static_cast<double>(n));
    if (stage == Stage::none) return;
    Finding f;
    f.mac = m->to_u64();
    f.detector = "profile";
    f.stage = stage;
    f.first = violation.value("first", time);
    f.time = time;
    f.evidence = {{"violations", n}, {"latest", violation}, {"threshold", config_.profile.thresholds.of(stage)}};
    const std::string names =
        violation.contains("names") && violation["names"].is_array() && !violation["names"].empty()
            ? fmt::format(" ({})", violation["names"][0].get<std::string>())
            : "";
    f.message = fmt::format(
        "{} reached {}{} on {} port {}, which its MUD profile does not allow; {} distinct contact{} outside its "
        "profile so far.",
        m->to_string(), violation.value("remote_ip", std::string("?")), names,
        violation.value("proto", 0) == 6    ? "TCP"
        : violation.value("proto", 0) == 17 ? "UDP"
                                            : "protocol",
        violation.value("remote_port", 0), n, n == 1 ? "" : "s");
    consider(std::move(f));
}

void Detection::consider(Finding f) {
    ++findings_;
    if (told_.size() >= kMaxTold)  // made-up devices past every threshold: forget the quiet ones
        for (auto it = told_.begin(); it != told_.end();)
            it = f.time - it->second.time >= config_.realert_s ? told_.erase(it) : std::next(it);
    Told& told = told_[{f.mac, f.detector}];
    // Records come a little out of time order (a flow's end after later flows' starts): a finding
    // dated before the last one told is never news by its time alone.
    const bool news = f.stage > told.stage || f.time - told.time >= config_.realert_s;
    if (!news) return;
    told.stage = std::max(told.stage, f.stage);
    if (f.time - told.time >= config_.realert_s) told.stage = f.stage;  // a new episode starts afresh
    told.time = std::max(told.time, f.time);
    ++alerts_;
    sink_(Alert{MacAddress::from_u64(f.mac).to_string(), "", f.detector, to_string(f.stage), f.first, f.time,
                std::move(f.evidence), std::move(f.message)});
}

nlohmann::json Detection::stats() const {
    return {{"findings", findings_},
            {"alerts", alerts_},
            {"peaks",
             {{"scan_score", scan_.peak()},
              {"flood_pps", flood_.peak()},
              {"dns_water_torture_labels", dns_.peak()},
              {"profile_violations", peak_violations_}}},
            {"devices_dropped",
             {{"scan", scan_.devices_dropped()},
              {"flood", flood_.devices_dropped()},
              {"dns_water_torture", dns_.devices_dropped()},
              {"volume", volume_.devices_dropped()}}}};
}

nlohmann::json Detection::device_status(const std::string& mac) const {
    const auto m = MacAddress::parse(mac);
    if (!m) return nullptr;
    return {{"volume", volume_.status(m->to_u64())}};
}

}  // namespace spin::nmf
