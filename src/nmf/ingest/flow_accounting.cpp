#include "nmf/ingest/flow_accounting.h"

#include <algorithm>
#include <unordered_set>

#include "common/mac_address.h"

namespace spin::nmf {

namespace {

uint64_t minus(uint64_t now, uint64_t before, uint64_t& regressions) {
    if (now >= before) return now - before;
    ++regressions;
    return 0;
}

}  // namespace

size_t FlowAccounting::TupleHash::operator()(const FlowTuple& t) const noexcept {
    uint64_t h = hash_word(
        t.mac, uint64_t{t.lan_port} << 32 | uint64_t{t.remote_port} << 16 | uint64_t{t.proto} << 8 | t.ip_version);
    h = hash_bytes16(h, t.lan_ip.data());
    return static_cast<size_t>(hash_bytes16(h, t.remote_ip.data()));
}

bool FlowAccounting::same_flow(const FlowState& s, uint32_t agent, const proto::FlowRecord& r) {
    // Its slot identifies a flow, not its first packet time: an agent
    // replaying two captures may learn of an earlier packet later and move
    // first_us back.  A `start` on the slot is a new flow.
    return s.agent == agent && s.worker == r.worker && s.flow_id == r.flow_id && !s.ended &&
           r.event != static_cast<uint8_t>(proto::FlowEvent::start);
}

TrafficCounters FlowAccounting::since(const TrafficCounters& now, const FlowState& s) {
    TrafficCounters d;
    d.pkts_out = minus(now.pkts_out, s.totals.pkts_out, stats_.regressions);
    d.bytes_out = minus(now.bytes_out, s.totals.bytes_out, stats_.regressions);
    d.pkts_in = minus(now.pkts_in, s.totals.pkts_in, stats_.regressions);
    d.bytes_in = minus(now.bytes_in, s.totals.bytes_in, stats_.regressions);
    d.blocked_pkts = minus(now.blocked_pkts, s.totals.blocked_pkts, stats_.regressions);
    return d;
}

TrafficCounters FlowAccounting::totals_of(const proto::FlowRecord& r) {
    return TrafficCounters{r.pkts_out, r.bytes_out, r.pkts_in, r.bytes_in, 0, r.blocked_pkts};
}

void FlowAccounting::add(const proto::FlowRecord& r, const TrafficCounters& delta) {
    if (delta.empty()) return;
    TrafficKey key;
    key.mac = MacAddress::to_u64(r.mac);
    std::memcpy(key.remote_ip.data(), r.remote_ip, 16);
    key.ip_version = r.ip_version;
    key.proto = r.proto;
    key.remote_port = r.remote_port;
    const auto seconds = static_cast<int64_t>(r.last_us / 1'000'000);
    key.bucket = seconds - seconds % 60;
    pending_[key] += delta;
    ++stats_.counted;
}

void FlowAccounting::set(Flows::iterator it, const FlowState& state) {
    it->second.state = state;
    it->second.sweeps = sweeps_;
    if (!it->second.changed) {
        it->second.changed = true;
        changed_.push_back(it->first);
    }
}

FlowAccounting::Flows::iterator FlowAccounting::forget(Flows::iterator it) {
    if (it->second.stored) forgotten_.push_back(it->first);
    return flows_.erase(it);
}

bool FlowAccounting::account(uint32_t agent, const proto::FlowRecord& r, TrafficCounters* added) {
    if (added != nullptr) *added = TrafficCounters{};
    ++stats_.records;
    if (MacAddress::is_group(r.mac) || MacAddress::to_u64(r.mac) == 0) {
        ++stats_.no_device;
        return false;
    }
    newest_us_ = std::max(newest_us_, r.last_us);
    FlowTuple t;
    t.mac = MacAddress::to_u64(r.mac);
    std::memcpy(t.lan_ip.data(), r.lan_ip, 16);
    std::memcpy(t.remote_ip.data(), r.remote_ip, 16);
    t.lan_port = r.lan_port;
    t.remote_port = r.remote_port;
    t.proto = r.proto;
    t.ip_version = r.ip_version;

    const TrafficCounters now = totals_of(r);
    const bool ended = r.event == static_cast<uint8_t>(proto::FlowEvent::end);
    const auto device = devices_.try_emplace(t.mac, DeviceAgents{agent, false}).first;
    if (!device->second.shared && device->second.first_agent != agent) {
        device->second.shared = true;
        ++stats_.shared_devices;
    }
    const bool shared = device->second.shared;
    if (ended && !shared) {
        // No other agent to tell apart: count what is new and forget the flow.
        TrafficCounters delta = now;
        delta.flows = 1;
        if (const auto it = flows_.find(t); it != flows_.end()) {
            if (same_flow(it->second.state, agent, r)) delta = since(now, it->second.state);
            forget(it);
        }
        stats_.tracked = flows_.size();
        add(r, delta);
        if (added != nullptr) *added = delta;
        return !delta.empty();
    }
    auto [it, fresh] = flows_.try_emplace(t);
    const FlowState& s = it->second.state;
    TrafficCounters delta;
    if (fresh) {
        delta = now;
        delta.flows = 1;
    } else if (same_flow(s, agent, r)) {
        delta = since(now, s);
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
    set(it, FlowState{{r.flow_id, r.worker, ended, r.first_us, r.last_us, now}, agent});
    stats_.tracked = flows_.size();
    const bool counted = !delta.empty();
    add(r, delta);
    if (added != nullptr) *added = delta;
    return counted;
}

FlowAccounting::Changes FlowAccounting::take_changes() {
    Changes out;
    // Forgotten first: a tuple forgotten and then seen again is in both
    // lists, and the store applies them in this order.
    out.forgotten.swap(forgotten_);
    out.changed.reserve(changed_.size());
    for (const FlowTuple& t : changed_) {
        const auto it = flows_.find(t);
        if (it == flows_.end() || !it->second.changed) continue;  // forgotten since (or listed twice)
        it->second.changed = false;
        it->second.stored = true;
        out.changed.push_back(FlowSnapshot{t, it->second.state});
    }
    changed_.clear();
    return out;
}

void FlowAccounting::restore(const FlowSnapshot& flow) {
    Tracked& tracked = flows_[flow.tuple];
    tracked.state = flow.state;
    tracked.stored = true;
    devices_.try_emplace(flow.tuple.mac, DeviceAgents{flow.state.agent, false});
    newest_us_ = std::max(newest_us_, flow.state.last_us);
    ++stats_.restored;
    stats_.tracked = flows_.size();
}

FlowAccounting::Pending FlowAccounting::take_pending() {
    Pending out;
    out.swap(pending_);
    return out;
}

void FlowAccounting::sweep() {
    std::unordered_set<uint64_t> live;  // devices with a flow left
    for (auto it = flows_.begin(); it != flows_.end();) {
        const FlowState& s = it->second.state;
        const uint64_t age = newest_us_ > s.last_us ? newest_us_ - s.last_us : 0;
        const bool silent = it->second.sweeps != sweeps_;  // no record since the last sweep
        if (silent && (age > forget_us_ || (s.ended && age > takeover_us_))) {
            it = forget(it);
        } else {
            live.insert(it->first.mac);
            ++it;
        }
    }
    // A device one agent reports and with no flow left needs no owner: a
    // flood of made-up MACs leaves nothing behind.  Shared devices stay
    // shared (their ended flows must be remembered).
    for (auto it = devices_.begin(); it != devices_.end();)
        it = it->second.shared || live.count(it->first) ? std::next(it) : devices_.erase(it);
    stats_.tracked = flows_.size();
    ++sweeps_;
}

}  // namespace spin::nmf
