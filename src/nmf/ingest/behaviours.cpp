#include "nmf/ingest/behaviours.h"

#include <algorithm>
#include <cstring>

#include "common/mac_address.h"
#include "proto/flow_record_json.h"

namespace spin::nmf {

void Behaviours::on_record(const proto::FlowRecord& r, const TrafficCounters& added) {
    if (added.pkts_out == 0 && added.pkts_in == 0) return;  // nothing new happened on the wire
    Key k;
    std::memcpy(k.remote.data(), r.remote_ip, 16);
    k.ip_version = r.ip_version;
    k.proto = r.proto;
    k.remote_opened = r.initiator == static_cast<uint8_t>(proto::Initiator::remote);
    const bool icmp = r.proto == 1 || r.proto == 58;
    // A flow picked up mid-stream (opener unknown) counts as the device's.
    k.port = icmp              ? (r.icmp_type == proto::kNoIcmpType ? 0 : r.icmp_type)
             : k.remote_opened ? r.lan_port
                               : r.remote_port;

    Device& d = devices_[MacAddress::to_u64(r.mac)];
    auto it = d.shapes.find(k);
    if (it == d.shapes.end()) {
        if (d.shapes.size() >= kShapesPerDevice || shapes_ >= kShapes) {
            ++dropped_;
            return;
        }
        it = d.shapes.emplace(k, Shape{}).first;
        ++shapes_;
    }
    Shape& s = it->second;
    const double first = static_cast<double>(r.first_us) / 1e6, last = static_cast<double>(r.last_us) / 1e6;
    s.first = s.first == 0 ? first : std::min(s.first, first);
    s.last = std::max(s.last, last);
    s.pending += added;
    if (!s.changed) {
        s.changed = true;
        d.changed.push_back(k);
    }
}

void Behaviours::take(std::vector<BehaviourRow>& out) {
    for (auto& [mac, d] : devices_) {
        const std::string mac_str = MacAddress::from_u64(mac).to_string();
        for (const Key& k : d.changed) {
            Shape& s = d.shapes.at(k);
            BehaviourRow row;
            row.mac = mac_str;
            row.remote_ip = proto::format_ip(k.remote.data(), k.ip_version);
            row.proto = k.proto;
            row.opener = k.remote_opened ? "remote" : "device";
            row.port = k.port;
            row.first_seen = s.first;
            row.last_seen = s.last;
            row.counters = s.pending;
            row.counters.blocked_pkts = 0;
            out.push_back(std::move(row));
            s.pending = TrafficCounters{};
            s.changed = false;
        }
        d.changed.clear();
    }
}

void Behaviours::forget(uint64_t mac) {
    const auto it = devices_.find(mac);
    if (it == devices_.end()) return;
    shapes_ -= it->second.shapes.size();
    devices_.erase(it);
}

}  // namespace spin::nmf
