#include "nmf/ingest/mud_conformance.h"

#include "common/mac_address.h"
#include "proto/flow_record_json.h"

namespace spin::nmf {

using nlohmann::json;

void MudConformance::set_policy(const proto::DevicePolicy& policy, bool fresh) {
    const std::string mac = policy.mac.to_string();
    DeviceState& d = devices_[mac];
    if (fresh) d = DeviceState{};
    d.entries.clear();
    for (const proto::PolicyEntry& e : policy.entries) {
        d.entries.emplace_back(e.acl, e.ace);
        d.aces.try_emplace({e.acl, e.ace});
    }
}

void MudConformance::clear(const std::string& mac) { devices_.erase(mac); }

void MudConformance::count(DeviceState& d, uint16_t verdict, uint64_t pkts, uint64_t bytes) {
    if (pkts == 0 && bytes == 0) return;
    if (verdict == proto::kMudService) {
        d.services.pkts += pkts;
        d.services.bytes += bytes;
    } else if (verdict >= 1 && verdict <= d.entries.size()) {
        Counter& c = d.aces[d.entries[verdict - 1]];
        c.pkts += pkts;
        c.bytes += bytes;
    }
}

const MudViolation* MudConformance::on_record(const proto::FlowRecord& r, const TrafficCounters& added) {
    if (r.mud_out == proto::kMudNoPolicy && r.mud_in == proto::kMudNoPolicy) return nullptr;
    const auto device = devices_.find(MacAddress::from_u64(MacAddress::to_u64(r.mac)).to_string());
    if (device == devices_.end()) return nullptr;  // a policy the controller no longer holds
    ++stats_.records;
    DeviceState& d = device->second;

    const uint64_t pkts_out = added.pkts_out, bytes_out = added.bytes_out;
    const uint64_t pkts_in = added.pkts_in, bytes_in = added.bytes_in, blocked = added.blocked_pkts;
    count(d, r.mud_out, pkts_out, bytes_out);
    count(d, r.mud_in, pkts_in, bytes_in);
    if (r.mud_out != proto::kMudNoEntry && r.mud_in != proto::kMudNoEntry) return nullptr;

    // Only packets of the violating direction count (a flow may be allowed
    // one way), and a flow re-decided without any (an ICMP flow, judged per
    // packet, between its packets) is no violation.
    uint64_t pkts = blocked, bytes = 0;
    if (r.mud_out == proto::kMudNoEntry) pkts += pkts_out, bytes += bytes_out;
    if (r.mud_in == proto::kMudNoEntry) pkts += pkts_in, bytes += bytes_in;
    if (pkts == 0) return nullptr;

    const bool in = r.initiator == static_cast<uint8_t>(proto::Initiator::remote);
    const std::string remote = proto::format_ip(r.remote_ip, r.ip_version);
    const ViolationKey vkey{remote, r.proto, in ? r.lan_port : r.remote_port, in};
    const double first = static_cast<double>(r.first_us) / 1e6, last = static_cast<double>(r.last_us) / 1e6;
    auto it = d.violations.find(vkey);
    const bool fresh = it == d.violations.end();
    if (fresh) {
        if (d.violations.size() >= kViolationsPerDevice) {
            ++d.violations_dropped;
            ++stats_.violations_dropped;
            return nullptr;
        }
        MudViolation v;
        v.mac = device->first;
        v.remote_ip = remote;
        v.proto = r.proto;
        v.remote_port = r.remote_port;
        v.device_port = r.lan_port;
        v.direction = in ? "in" : "out";
        v.first = first;
        it = d.violations.emplace(vkey, v).first;
        ++stats_.violations;
    }
    MudViolation& v = it->second;
    v.pkts += pkts - blocked;
    v.bytes += bytes;
    v.dropped_pkts += blocked;
    v.first = std::min(v.first, first);
    v.last = std::max(v.last, last);
    if (!fresh) return nullptr;
    new_.push_back(v);
    return &new_.back();
}

std::vector<MudViolation> MudConformance::take_new() {
    std::vector<MudViolation> out;
    out.swap(new_);
    return out;
}

bool MudConformance::violating(const std::string& mac) const {
    const auto it = devices_.find(mac);
    return it != devices_.end() && (!it->second.violations.empty() || it->second.violations_dropped != 0);
}

json to_json(const MudViolation& v) {
    return json{{"remote_ip", v.remote_ip},
                {"proto", v.proto},
                {"remote_port", v.remote_port},
                {"device_port", v.device_port},
                {"direction", v.direction},
                {"pkts", v.pkts},
                {"bytes", v.bytes},
                {"dropped_pkts", v.dropped_pkts},
                {"first", v.first},
                {"last", v.last}};
}

json MudConformance::to_json(const std::string& mac) const {
    const auto it = devices_.find(mac);
    if (it == devices_.end()) return json{{"violations", json::array()}, {"aces", json::array()}};
    const DeviceState& d = it->second;
    json violations = json::array();
    for (const auto& [key, v] : d.violations) violations.push_back(nmf::to_json(v));
    json aces = json::array();
    for (const auto& [name, c] : d.aces)
        aces.push_back({{"acl", name.first}, {"name", name.second}, {"pkts", c.pkts}, {"bytes", c.bytes}});
    return json{{"violations", std::move(violations)},
                {"violations_dropped", d.violations_dropped},
                {"aces", std::move(aces)},
                {"network_services", {{"pkts", d.services.pkts}, {"bytes", d.services.bytes}}}};
}

}  // namespace spin::nmf
