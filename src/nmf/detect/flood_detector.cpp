#include "nmf/detect/flood_detector.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/ip_prefix.h"
#include "common/mac_address.h"

namespace spin::nmf {

namespace tf = proto::tcp_flag;

bool is_private_address(uint8_t ip_version, const uint8_t* a) {
    if (ip_version == 4)
        return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
               (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224 || a[0] == 0;
    return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff ||
           std::all_of(a, a + 15, [](uint8_t b) { return b == 0; });
}

const char* FloodDetector::detector(Kind k) {
    static const char* const names[] = {"syn_flood", "ack_flood", "udp_flood", "icmp_flood"};
    return names[k];
}

FloodDetector::FloodDetector(const FloodConfig& config, uint32_t max_devices)
    : config_(config), windows_(config.window_s, max_devices) {}

std::optional<Finding> FloodDetector::on_record(const proto::FlowRecord& r, const TrafficCounters& added) {
    if (!config_.enabled || (added.pkts_out == 0 && added.pkts_in == 0)) return std::nullopt;
    Kind kind;
    if (r.proto == 6) {
        if ((r.tcp_flags & tf::syn) && !(r.tcp_flags & tf::ack) &&
            r.initiator == static_cast<uint8_t>(proto::Initiator::lan))
            kind = syn;
        else if (!(r.tcp_flags & tf::syn) && (r.tcp_flags & tf::ack) &&
                 r.initiator == static_cast<uint8_t>(proto::Initiator::unknown))
            kind = ack;
        else
            return std::nullopt;  // a handshake: ordinary TCP
    } else if (r.proto == 17) {
        kind = udp;
    } else if (r.proto == 1 || r.proto == 58) {
        kind = icmp;
    } else {
        return std::nullopt;
    }
    if (!config_.include_local && is_private_address(r.ip_version, r.remote_ip)) return std::nullopt;
    const uint64_t mac = MacAddress::to_u64(r.mac);
    const double t = static_cast<double>(r.last_us) / 1e6;
    Window* window = windows_.at(mac, t);
    if (window == nullptr) return std::nullopt;
    Window& w = *window;
    // The victim: the address's /24 (IPv4) or /56 (IPv6).
    uint8_t prefix[16] = {};
    std::copy(r.remote_ip, r.remote_ip + (r.ip_version == 4 ? 3 : 7), prefix);
    const uint64_t key = hash_bytes16(r.ip_version, prefix);
    auto v = w.victims.find(key);
    if (v == w.victims.end()) {
        if (w.victims.size() >= kVictimsPerDevice) return std::nullopt;
        v = w.victims.emplace(key, Victim{}).first;
    }
    Victim& victim = v->second;
    victim.out[kind] += added.pkts_out;
    victim.back[kind] += added.pkts_in;
    victim.flows[kind] += added.flows;
    if (victim.addresses.size() < 16) {
        std::array<uint8_t, 17> a{};
        a[0] = r.ip_version;
        std::copy(r.remote_ip, r.remote_ip + 16, a.begin() + 1);
        victim.addresses.insert(a);
    }
    if (victim.ports.size() < 16 && r.remote_port != 0) victim.ports.insert(r.remote_port);

    const double rate = static_cast<double>(victim.out[kind]) / config_.window_s;
    const double ratio =
        victim.out[kind] == 0 ? 1.0 : static_cast<double>(victim.back[kind]) / static_cast<double>(victim.out[kind]);
    if (ratio <= config_.max_return_ratio) peak_ = std::max(peak_, rate);
    const Stage stage = ratio <= config_.max_return_ratio ? config_.thresholds.reached(rate) : Stage::none;
    if (stage == Stage::none) return std::nullopt;

    const std::string victim_text =
        fmt::format("{}/{}", IpPrefix::host(r.ip_version, prefix).address_text(), r.ip_version == 4 ? 24 : 56);
    nlohmann::json addresses = nlohmann::json::array(), ports(victim.ports);
    for (const auto& a : victim.addresses) addresses.push_back(IpPrefix::host(a[0], a.data() + 1).address_text());
    const std::string first_address = addresses[0].get<std::string>();
    static const char* const what[] = {"TCP SYNs that never completed a handshake", "TCP ACKs without a handshake",
                                       "UDP packets", "ICMP packets"};
    Finding f;
    f.mac = mac;
    f.detector = detector(kind);
    f.stage = stage;
    f.first = w.start;
    f.time = t;
    f.evidence = {{"victim", victim_text},
                  {"addresses", std::move(addresses)},
                  {"ports", std::move(ports)},
                  {"packets_out", victim.out[kind]},
                  {"packets_back", victim.back[kind]},
                  {"flows", victim.flows[kind]},
                  {"return_ratio", ratio},
                  {"rate_pps", rate},
                  {"window_s", config_.window_s},
                  {"threshold_pps", config_.thresholds.of(stage)}};
    f.message = fmt::format(
        "{} sent {} {} to {} ({}{}) in {:.1f} s, {:.0f} a second over the {:.0f} s window, and {} came back "
        "(ratio {:.3f}): an outgoing flood, past the {} threshold of {:.0f} a second.",
        MacAddress::from_u64(mac).to_string(), victim.out[kind], what[kind], victim_text, first_address,
        victim.addresses.size() > 1 ? fmt::format(" and {} more", victim.addresses.size() - 1) : "",
        std::max(w.last - w.start, 0.0), rate, config_.window_s, victim.back[kind], ratio, to_string(stage),
        config_.thresholds.of(stage));
    return f;
}

}  // namespace spin::nmf
