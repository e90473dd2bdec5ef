#include "nmf/ingest/flow_accounting.h"

#include <algorithm>
#include <cstring>

namespace spin::nmf {

namespace {

uint64_t minus(uint64_t now, uint64_t before, uint64_t& regressions) {
    if (now >= before) return now - before;
    ++regressions;
    return 0;
}

}  // namespace

size_t FlowAccounting::TupleHash::operator()(const Tuple& t) const noexcept {
    uint64_t w[4];
    std::memcpy(&w[0], t.lan_ip.data(), 8);
    std::memcpy(&w[1], t.lan_ip.data() + 8, 8);
    std::memcpy(&w[2], t.remote_ip.data(), 8);
    std::memcpy(&w[3], t.remote_ip.data() + 8, 8);
    uint64_t h = t.mac * 0x9E3779B97F4A7C15ull ^ (uint64_t{t.lan_port} << 32 | uint64_t{t.remote_port} << 16 | t.proto);
    for (uint64_t v : w) h = (h ^ v) * 0xFF51AFD7ED558CCDull, h ^= h >> 32;
    return static_cast<size_t>(h);
}

TrafficCounters FlowAccounting::totals_of(const proto::FlowRecord& r) {
    return TrafficCounters{r.pkts_out, r.bytes_out, r.pkts_in, r.bytes_in, 0, r.blocked_pkts};
}

void FlowAccounting::add(const proto::FlowRecord& r, const TrafficCounters& delta) {
    if (delta.empty()) return;
    TrafficKey key;
    key.mac = mac_to_u64(r.mac);
    std::memcpy(key.remote_ip.data(), r.remote_ip, 16);
    key.ip_version = r.ip_version;
    key.proto = r.proto;
    key.remote_port = r.remote_port;
    const auto seconds = static_cast<int64_t>(r.last_us / 1'000'000);
    key.bucket = seconds - seconds % 60;
    pending_[key] += delta;
    ++stats_.counted;
}

bool FlowAccounting::account(uint32_t agent, const proto::FlowRecord& r) {
    ++stats_.records;
    static constexpr uint8_t kNoMac[6] = {};
    if ((r.mac[0] & 0x01) != 0 || std::memcmp(r.mac, kNoMac, 6) == 0) {
        ++stats_.no_device;
        return false;
    }
    newest_us_ = std::max(newest_us_, r.last_us);
    Tuple t;
    t.mac = mac_to_u64(r.mac);
    std::memcpy(t.lan_ip.data(), r.lan_ip, 16);
    std::memcpy(t.remote_ip.data(), r.remote_ip, 16);
    t.lan_port = r.lan_port;
    t.remote_port = r.remote_port;
    t.proto = r.proto;
    t.ip_version = r.ip_version;

    const TrafficCounters now = totals_of(r);
    const bool ended = r.event == static_cast<uint8_t>(proto::FlowEvent::end);
    auto [it, fresh] = flows_.try_emplace(t);
    FlowState& s = it->second;
    TrafficCounters delta;
    if (fresh) {
        delta = now;
        delta.flows = 1;
    } else if (s.agent == agent && s.worker == r.worker && s.flow_id == r.flow_id && !s.ended &&
               r.event != static_cast<uint8_t>(proto::FlowEvent::start)) {
        // The same flow as before.  Its slot identifies it, not its first
        // packet time: an agent replaying two captures may learn of an
        // earlier packet later and move first_us back.
        delta.pkts_out = minus(now.pkts_out, s.totals.pkts_out, stats_.regressions);
        delta.bytes_out = minus(now.bytes_out, s.totals.bytes_out, stats_.regressions);
        delta.pkts_in = minus(now.pkts_in, s.totals.pkts_in, stats_.regressions);
        delta.bytes_in = minus(now.bytes_in, s.totals.bytes_in, stats_.regressions);
        delta.blocked_pkts = minus(now.blocked_pkts, s.totals.blocked_pkts, stats_.regressions);
    } else if (s.agent != agent && r.first_us <= s.last_us + takeover_us_) {
        // Another agent's view of a flow already owned: the same packets.
        if (s.ended || r.last_us <= s.last_us + takeover_us_) {
            ++stats_.duplicates;
            return false;
        }
        ++stats_.takeovers;  // the owner went quiet; this agent's totals are the baseline
    } else {
        delta = now;  // a new flow on a tuple seen before (or a restarted agent)
        delta.flows = 1;
    }
    s = FlowState{agent, r.flow_id, r.worker, ended, r.first_us, r.last_us, now};
    stats_.tracked = flows_.size();
    const bool counted = !delta.empty();
    add(r, delta);
    return counted;
}

FlowAccounting::Pending FlowAccounting::take_pending() {
    Pending out;
    out.swap(pending_);
    return out;
}

void FlowAccounting::sweep() {
    for (auto it = flows_.begin(); it != flows_.end();) {
        const uint64_t age = newest_us_ > it->second.last_us ? newest_us_ - it->second.last_us : 0;
        const bool forget = age > forget_us_ || (it->second.ended && age > takeover_us_);
        it = forget ? flows_.erase(it) : std::next(it);
    }
    stats_.tracked = flows_.size();
}

}  // namespace spin::nmf
