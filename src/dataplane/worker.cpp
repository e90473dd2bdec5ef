#include "dataplane/worker.h"

#include <algorithm>
#include <cstring>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "dataplane/clock.h"

namespace spin::dp {

using proto::EndReason;
using proto::FlowEvent;
using proto::FlowRecord;
using proto::Initiator;
namespace tf = proto::tcp_flag;

namespace {
constexpr unsigned kPrefetchAhead = 4;
constexpr int kTxRetries = 4;

}  // namespace

Worker::Worker(WorkerConfig config, SharedTables& tables, RecordRing* ring, SlowQueue* slow)
    : cfg_(std::move(config)),
      tables_(tables),
      ring_(ring),
      slow_(slow),
      table_(cfg_.flow_capacity),
      reflex_(cfg_.reflex, cfg_.index),
      rule_pkts_(new Counter[kMaxRules]),
      rule_bytes_(new Counter[kMaxRules]) {
    const uint64_t slices = std::max<uint64_t>(1, cfg_.sweep_period_us / kHousekeepingIntervalUs);
    scan_slice_ = static_cast<uint32_t>(std::max<uint64_t>(16, (cfg_.flow_capacity + slices - 1) / slices));
    ts_offset_ = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    const int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    ts_flag_ = bit >= 0 ? (uint64_t{1} << bit) : 0;
    max_hold_tsc_ = rte_get_tsc_hz() * kMaxHoldUs / 1'000'000;
    housekeeping_tsc_ = rte_get_tsc_hz() * kHousekeepingIntervalUs / 1'000'000;
    tables_.rcu.register_reader(cfg_.index);
}

Worker::~Worker() {
    for (; held_count_ != 0; --held_count_, held_head_ = (held_head_ + 1) % kHoldSlots)
        rte_pktmbuf_free(held_[held_head_].m);
}

uint64_t Worker::timeout_of(const FlowEntry& e) const {
    // The hot line's proto: the sweep reads nothing else of the key.
    switch (e.key.proto) {
    case 6:
        return (e.state & flow_state::rst) || ((e.state & flow_state::fin_out) && (e.state & flow_state::fin_in))
                   ? cfg_.timeouts.tcp_closed_us
                   : cfg_.timeouts.tcp_us;
    case 17: return cfg_.timeouts.udp_us;
    case 1:
    case 58: return cfg_.timeouts.icmp_us;
    default: return cfg_.timeouts.other_us;
    }
}

void Worker::stage(uint32_t id, FlowEvent ev, EndReason reason) {
    if (staged_ == 0 && ring_ != nullptr) {
        if (in_ring_used_ == in_ring_.n) {
            commit_records();
            in_ring_ = ring_->reserve(kStageSize);
        }
        if (in_ring_used_ < in_ring_.n) {
            fill_record(id, ev, reason, in_ring_.slot(in_ring_used_++));
            return;
        }
    }
    if (staged_ == kStageSize) flush_records();
    if (staged_ == kStageSize) {  // ring full and stage full: count, never wait
        stats_.ring_overflow.add();
        return;
    }
    fill_record(id, ev, reason, stage_[staged_++]);
}

void Worker::fill_record(uint32_t id, FlowEvent ev, EndReason reason, FlowRecord& r) const {
    const FlowEntry& e = table_.entry(id);
    const FlowCold& c = table_.cold(id);
    const FlowKey key = table_.key(id);
    const bool lan_is_a = e.state & flow_state::lan_is_a;
    r.event = static_cast<uint8_t>(ev);
    r.end_reason = static_cast<uint8_t>(reason);
    r.proto = key.proto;
    r.ip_version = key.ip_version;
    r.initiator = c.initiator;
    r.tcp_flags = e.tcp_flags;
    r.icmp_type = c.icmp_type;
    r.worker = cfg_.index;
    r.vlan = key.vlan;
    if (MacAddress::is_group(key.mac))
        std::memset(r.mac, 0, 6);  // a broadcast / multicast LAN end is no device
    else
        std::memcpy(r.mac, key.mac, 6);
    std::memcpy(r.lan_ip, lan_is_a ? key.addr_a : key.addr_b, 16);
    std::memcpy(r.remote_ip, lan_is_a ? key.addr_b : key.addr_a, 16);
    r.lan_port = lan_is_a ? key.port_a : key.port_b;
    r.remote_port = lan_is_a ? key.port_b : key.port_a;
    r.rule = c.blocked_pkts != 0 ? c.rule : proto::kNoRule;  // the rule that dropped frames of it
    r.first_us = c.first_us;
    r.last_us = e.last_us;
    r.pkts_out = table_.packets(id, 0);
    r.bytes_out = e.bytes[0];
    r.pkts_in = table_.packets(id, 1);
    r.bytes_in = e.bytes[1];
    r.blocked_pkts = c.blocked_pkts;
    r.blocked_bytes = c.blocked_bytes;
    r.flow_id = id;
    r.mud_out = e.mud[0] & ~kPolicyDrops;
    r.mud_in = e.mud[1] & ~kPolicyDrops;
}

void Worker::commit_records() {
    if (in_ring_.n == 0) return;
    ring_->commit(in_ring_used_);
    stats_.records.add(in_ring_used_);
    in_ring_ = {};
    in_ring_used_ = 0;
}

void Worker::flush_records() {
    commit_records();
    if (staged_ == 0) return;
    if (ring_ == nullptr) {
        stats_.ring_overflow.add(staged_);
        staged_ = 0;
        return;
    }
    const unsigned sent = ring_->enqueue(stage_, staged_);
    stats_.records.add(sent);
    if (sent < staged_) {
        // Keep the rest staged for the next flush; the stage itself is the
        // buffer that absorbs short stalls of the control side.
        std::memmove(stage_, stage_ + sent, (staged_ - sent) * sizeof(FlowRecord));
    }
    staged_ -= sent;
}

void Worker::end_flow(uint32_t id, EndReason reason) {
    stage(id, FlowEvent::end, reason);
    table_.erase(id);
    stats_.flows_active.set(table_.size());
}

bool Worker::evict_one(uint64_t now_us) {
    // Sampled LRU: the least recently seen of a few entries in use.
    int64_t victim = -1;
    uint64_t oldest = UINT64_MAX;
    const uint32_t cap = table_.capacity();
    for (uint32_t looked = 0, sampled = 0; looked < 64 && sampled < 8; ++looked) {
        evict_cursor_ = evict_cursor_ + 1 < cap ? evict_cursor_ + 1 : 0;
        const FlowEntry& e = table_.entry(evict_cursor_);
        if (!(e.state & flow_state::in_use)) continue;
        ++sampled;
        if (e.last_us < oldest) {
            oldest = e.last_us;
            victim = evict_cursor_;
        }
    }
    if (victim < 0 || now_us < oldest + cfg_.evict_min_idle_us) return false;
    stats_.flows_evicted.add();
    end_flow(static_cast<uint32_t>(victim), EndReason::evict);
    return true;
}

int64_t Worker::create_flow(bool src_is_lan, const ParsedPacket& p, const FlowKey& key, bool src_is_a,
                            const FlowTable::Home& home, uint64_t ts) {
    int64_t id = table_.insert(key, home);
    if (id == FlowTable::kFull && cfg_.evict_when_full && evict_one(ts)) id = table_.insert(key, home);
    if (id == FlowTable::kNoRoom) stats_.flows_probe_limit.add();  // evicting would not make room in its buckets
    if (id < 0) return -1;
    ++inserted_;
    FlowEntry& e = table_.entry(static_cast<uint32_t>(id));
    FlowCold& c = table_.cold(static_cast<uint32_t>(id));
    if (src_is_lan == src_is_a) e.state |= flow_state::lan_is_a;
    c.first_us = ts;
    e.last_us = ts;
    c.last_report_us = ts;
    c.icmp_type = proto::kNoIcmpType;
    // TCP: the SYN's sender opened the connection; a SYN-ACK means the other end
    // did; anything else is a connection picked up midway.  Other protocols:
    // whoever sent the first packet.
    if (p.proto == 6) {
        if ((p.tcp_flags & (tf::syn | tf::ack)) == tf::syn)
            c.initiator = static_cast<uint8_t>(src_is_lan ? Initiator::lan : Initiator::remote);
        else if ((p.tcp_flags & (tf::syn | tf::ack)) == (tf::syn | tf::ack))
            c.initiator = static_cast<uint8_t>(src_is_lan ? Initiator::remote : Initiator::lan);
        else
            c.initiator = static_cast<uint8_t>(Initiator::unknown);
    } else {
        c.initiator = static_cast<uint8_t>(src_is_lan ? Initiator::lan : Initiator::remote);
    }
    stats_.flows_created.add();
    stats_.flows_active.set(table_.size());
    return id;
}

void Worker::decide_policy(FlowEntry& e, uint8_t initiator, const FlowKey& key, const PolicyTables& policies) const {
    e.mud[0] = e.mud[1] = kPolicyNone;
    const PolicyTables::Device* d = policies.find(key.mac);
    if (d == nullptr) return;
    const bool lan_is_a = e.state & flow_state::lan_is_a;
    for (int dir = 0; dir < 2; ++dir) {
        e.mud[dir] = policies.cached(*d, policies.decide(*d, key, lan_is_a, dir, initiator, nullptr));
    }
}

bool Worker::policy_drops(const PolicyTables& policies, const uint8_t* mac, uint16_t verdict, uint32_t len,
                          uint16_t* rule) {
    if (verdict == kPolicyNone || verdict == kPolicyService) return false;
    const PolicyTables::Device* d = policies.find(mac);
    if (d == nullptr || !d->enforce || policies.passes(*d, verdict)) return false;
    rule_pkts_[d->rule].add();
    rule_bytes_[d->rule].add(len);
    if (rule != nullptr) *rule = d->rule;
    return true;
}

bool Worker::reflex_trips(bool src_is_lan, const ParsedPacket& p, const FlowKey& key, uint64_t ts) {
    if (!src_is_lan || p.proto != 6 || p.ip_version != 4 || !reflex_.is_scan_syn(p.tcp_seq, p.dst, p.dport))
        return false;
    stats_.reflex_syns.add();
    return reflex_.on_scan_syn(key.mac, p.src, p.dst, p.sport, p.dport, ts);
}

void Worker::handle_ip(bool src_is_lan, rte_mbuf* m, const ParsedPacket& p, const FlowKey& key, bool src_is_a,
                       const FlowTable::Home& home, int64_t id, uint64_t ts, const BlockTables& blocks,
                       const PolicyTables& policies, bool& drop) {
    const uint32_t len = rte_pktmbuf_pkt_len(m);
    // id is the lookup stage's candidate: confirmed here, its entry fetched by
    // now.  With none, the flow was absent then, but an earlier packet of the
    // burst may have created it since.
    if (id >= 0)
        id = table_.find_from(key, home, id);
    else if (inserted_ != burst_inserted_) [[unlikely]]
        id = table_.find(key, home);
    bool created = false;
    if (id < 0) {
        // Mirai's probe opens a flow (a new address each time): looked for here, before the
        // table is asked for room (a full table must not hide it).  tcp_flags is 0 but for TCP.
        if (reflex_.active() && (p.tcp_flags & (tf::syn | tf::ack)) == tf::syn && reflex_trips(src_is_lan, p, key, ts))
            [[unlikely]] {
            count_held(len);
            drop = true;
            return;
        }
        id = create_flow(src_is_lan, p, key, src_is_a, home, ts);
        if (id < 0) {
            // Table full (or the key's buckets are): forward unmetered, but rules still hold.
            stats_.flows_untracked.add();
            const bool lan_is_a = src_is_lan == src_is_a;
            const PacketFacts facts{p.icmp_type, src_is_lan, p.icmp_code};
            const uint16_t rule = blocks.match_packet(key.mac, key, lan_is_a, facts);
            if (rule != 0) {
                rule_pkts_[rule].add();
                rule_bytes_[rule].add(len);
                drop = true;
            } else if (const PolicyTables::Device* d = policies.find(key.mac)) {
                // Untracked, so judged packet by packet; the opener is unknown (policy_tables.h).
                const uint16_t verdict = policies.decide(*d, key, lan_is_a, src_is_lan ? 0 : 1, 0, &facts);
                drop = policy_drops(policies, key.mac, verdict, len, nullptr);
            }
            return;
        }
        created = true;
    }
    const auto fid = static_cast<uint32_t>(id);
    FlowEntry& e = table_.entry(fid);
    const bool lan_is_a = e.state & flow_state::lan_is_a;
    const int dir = src_is_a == lan_is_a ? 0 : 1;  // 0: from the LAN end
    table_.count(fid, dir, len);
    if (ts > e.last_us) {
        e.last_us = ts;
    } else if (ts < e.last_us && ts < table_.cold(fid).first_us) [[unlikely]] {
        // An earlier packet processed later: a replay reads its LAN and WAN
        // captures burst by burst.  Time, not arrival, says who spoke first.
        table_.cold(fid).first_us = ts;
        if (p.proto != 6)
            table_.cold(fid).initiator = static_cast<uint8_t>(dir == 0 ? Initiator::lan : Initiator::remote);
    }
    e.state |= flow_state::dirty;
    if (p.proto == 6) {
        e.tcp_flags |= p.tcp_flags;
        if (p.tcp_flags & tf::fin) e.state |= dir == 0 ? flow_state::fin_out : flow_state::fin_in;
        if (p.tcp_flags & tf::rst) e.state |= flow_state::rst;
        // A connection picked up midway learns its opener from a later SYN.
        if ((p.tcp_flags & (tf::syn | tf::ack)) == tf::syn &&
            table_.cold(fid).initiator == static_cast<uint8_t>(Initiator::unknown)) [[unlikely]]
            table_.cold(fid).initiator = static_cast<uint8_t>(dir == 0 ? Initiator::lan : Initiator::remote);
    } else if (p.icmp_type != 0xff && table_.cold(fid).icmp_type == proto::kNoIcmpType) {
        table_.cold(fid).icmp_type = p.icmp_type;
    }
    // The decisions are cached per flow and recomputed only when the tables
    // change (the MUD verdicts only when the policies did: a block publish
    // must not make a million flows walk their device's profile again); made
    // before the start record, which carries the MUD verdicts.
    const uint32_t version = SharedTables::decision_version(blocks, policies);
    if (e.block_version != version) [[unlikely]] {
        e.block_version = version;
        FlowCold& c = table_.cold(fid);
        bool per_packet = false;
        const uint16_t rule = blocks.match_flow(key.mac, key, lan_is_a, &per_packet);
        e.state &= ~(flow_state::blocking | flow_state::per_packet);
        if (rule != 0) {
            c.rule = rule;  // kept after an unblock: records name the rule that dropped
            e.state |= per_packet ? flow_state::per_packet : flow_state::blocking;
        }
        if (created || c.policy_version != policies.version()) {
            c.policy_version = policies.version();
            decide_policy(e, c.initiator, key, policies);
        }
    }
    bool blocking = e.state & flow_state::blocking;
    if (e.state & flow_state::per_packet) [[unlikely]] {
        const uint16_t rule = blocks.match_packet(key.mac, key, lan_is_a, {p.icmp_type, dir == 0, p.icmp_code});
        if (rule != 0) table_.cold(fid).rule = rule;
        blocking = rule != 0;
    }
    if (!blocking && e.mud[dir] != kPolicyNone && p.icmp_type != 0xff) [[unlikely]] {
        // ICMP is judged by type and code, packet by packet: before the
        // start record, so that it carries this packet's verdict (an ICMP
        // error the device needs is no violation, even in its first packet).
        const PacketFacts facts{p.icmp_type, dir == 0, p.icmp_code};
        if (const PolicyTables::Device* d = policies.find(key.mac))
            e.mud[dir] =
                policies.cached(*d, policies.decide(*d, key, lan_is_a, dir, table_.cold(fid).initiator, &facts));
    }
    if (created) stage(fid, FlowEvent::start, EndReason::none);
    if (!blocking && e.mud[dir] != kPolicyNone) {
        uint16_t rule = 0;
        if ((e.mud[dir] & kPolicyDrops) && policy_drops(policies, key.mac, e.mud[dir] & ~kPolicyDrops, len, &rule)) {
            FlowCold& c = table_.cold(fid);
            c.rule = rule;
            count_blocked(fid, c, len);
            drop = true;
            return;
        }
    }
    if (blocking) {
        FlowCold& c = table_.cold(fid);
        count_blocked(fid, c, len);
        rule_pkts_[c.rule].add();
        rule_bytes_[c.rule].add(len);
        drop = true;
    }
}

void Worker::count_blocked(uint32_t id, FlowCold& c, uint32_t len) {
    c.blocked_pkts += c.blocked_pkts != UINT32_MAX ? 1 : 0;
    c.blocked_bytes += len;
    if (c.blocked_pkts == 1) stage(id, FlowEvent::blocked, EndReason::none);
}

bool Worker::handle_non_flow(Side from, const ParsedPacket& p, uint32_t len, const BlockTables& blocks,
                             const PolicyTables& policies) {
    if (p.src_mac == nullptr) return false;
    if (!policies.empty() && !cfg_.monitor) {
        // A frame that is not IP, of a device held to its MUD policy.
        const uint8_t* device = from == kLan ? p.src_mac : p.dst_mac;
        const uint8_t* remote = from == kLan ? p.dst_mac : p.src_mac;
        if (const PolicyTables::Device* d = policies.find(device)) {
            const uint16_t verdict = policies.decide_frame(*d, p.ethertype, remote, from == kLan ? 0 : 1);
            if (policy_drops(policies, device, verdict, len, nullptr)) return true;
        }
    }
    if (!blocks.has_mac_rules()) return false;
    // A bridge knows which end is the LAN by the port; a mirror sees both.
    uint16_t rule = blocks.match_mac(cfg_.monitor || from == kLan ? p.src_mac : p.dst_mac);
    if (rule == 0 && cfg_.monitor) rule = blocks.match_mac(p.dst_mac);
    if (rule == 0) return false;
    rule_pkts_[rule].add();
    rule_bytes_[rule].add(len);
    return true;
}

bool Worker::reflex_drops(Side from, const ParsedPacket& p, uint32_t len) {
    if (p.src_mac == nullptr) return false;
    const bool from_lan = cfg_.monitor ? cfg_.lan.frame_from_lan(p.src_mac, p.dst_mac) : from == kLan;
    if (!reflex_.holds(from_lan ? p.src_mac : p.dst_mac)) return false;
    count_held(len);
    return true;
}

void Worker::count_held(uint32_t len) {
    rule_pkts_[reflex_.rule()].add();
    rule_bytes_[reflex_.rule()].add(len);
    stats_.reflex_held_pkts.add();
}

// An IP frame the parser gave up on may be a covert channel (nine extension
// headers, an options length past the payload): where its addresses are
// known, the address rules hold, and a device any rule names gets none through.
bool Worker::handle_unparsed(Side from, const ParsedPacket& p, uint32_t len, const BlockTables& blocks,
                             const PolicyTables& policies) {
    if (p.ip_version == 0 || (blocks.empty() && policies.empty()))
        return handle_non_flow(from, p, len, blocks, policies);
    const bool src_is_lan = cfg_.monitor ? cfg_.lan.source_is_lan(p) : from == kLan;
    const uint8_t* mac = src_is_lan ? p.src_mac : p.dst_mac;
    uint16_t rule = blocks.empty() ? 0
                                   : blocks.match_unparsed(mac, src_is_lan ? p.src : p.dst, src_is_lan ? p.dst : p.src,
                                                           p.ip_version, p.proto);
    if (rule == 0) {
        // No policy entry can vouch for a frame whose ports are unknown.
        if (!policy_drops(policies, mac, kPolicyNoEntry, len, nullptr)) return false;
        stats_.unparsed_blocked.add();
        return true;
    }
    rule_pkts_[rule].add();
    rule_bytes_[rule].add(len);
    stats_.unparsed_blocked.add();
    return true;
}

uint16_t Worker::process_burst(Side from, rte_mbuf** pkts, uint16_t n, uint64_t now_us, rte_mbuf** forward) {
    const BlockTables& blocks = *tables_.blocks.current();
    const PolicyTables& policies = *tables_.policies.current();
    uint16_t kept = 0;
    uint64_t stamp = timed_ ? rte_rdtsc() : 0;
    if (timed_) stats_.timed_pkts.add(n);
    // Adds the cycles since the last stamp to a stage's counter, on timed polls only.
    const auto lap = [&](Counter& stage) {
        if (!timed_) return;
        const uint64_t t = rte_rdtsc();
        stage.add(t - stamp);
        stamp = t;
    };
    for (uint16_t base = 0; base < n; base += kBurstSize) {
        const uint16_t cnt = n - base < kBurstSize ? n - base : kBurstSize;
        parse_stage(from, pkts + base, cnt);
        lap(stats_.cycles_parse);
        lookup_stage();
        lap(stats_.cycles_lookup);
        kept += meter_stage(now_us, blocks, policies, forward + kept);
        lap(stats_.cycles_meter);
    }
    return kept;
}

// Stage 1: parse and hash the burst, prefetching each flow's primary bucket.
// Frames of the common shapes (packet_parser.h: fast_headers) have their key
// read straight from the frame; their ParsedPacket is filled only if the
// meter stage needs it (its full way).  Others are parsed in full.
void Worker::parse_stage(Side from, rte_mbuf** b, uint16_t cnt) {
    Burst& u = burst_;
    u.from = from;
    u.pkts = b;
    u.n = cnt;
    for (unsigned i = 0; i < kPrefetchAhead && i < cnt; ++i) rte_prefetch0(rte_pktmbuf_mtod(b[i], void*));
    for (uint16_t i = 0; i < cnt; ++i) {
        if (i + kPrefetchAhead < cnt) rte_prefetch0(rte_pktmbuf_mtod(b[i + kPrefetchAhead], void*));
        const auto* data = rte_pktmbuf_mtod(b[i], const uint8_t*);
        const uint32_t len = rte_pktmbuf_data_len(b[i]);
        const FastHeaders h = cfg_.monitor ? FastHeaders{0, 0, 0} : fast_headers(data, len);
        if (h.ip_version != 0) [[likely]] {
            u.src_is_lan[i] = from == kLan;
            u.src_is_a[i] = fast_flow_key(data, h, u.src_is_lan[i], u.keys[i]);
            u.tcp_flags[i] = h.proto == 6 ? data[h.l4 + 13] & 0x3f : 0;
            const bool slow = slow_kind_of_ports(h.proto, u.keys[i].port_a, u.keys[i].port_b) != SlowKind::none;
            u.shape[i] = slow ? Shape::parsed : Shape::fast;
            if (slow) parse_fast(data, h, u.parsed[i]);
        } else {
            ParsedPacket& p = u.parsed[i];
            parse_packet(data, len, p);
            u.shape[i] = p.status == ParseStatus::ok ? Shape::parsed : Shape::no_flow;
            if (u.shape[i] == Shape::no_flow) continue;
            u.src_is_lan[i] = cfg_.monitor ? cfg_.lan.source_is_lan(p) : from == kLan;
            u.src_is_a[i] = make_flow_key(p, u.src_is_lan[i], u.keys[i]);
            u.tcp_flags[i] = p.tcp_flags;
        }
        u.homes[i] = table_.home(u.keys[i]);
        table_.prefetch(u.homes[i]);
    }
}

// Stage 2: compare each flow's tag in its buckets (prefetched by stage 1)
// and prefetch the candidate entry, which stage 3 confirms.
void Worker::lookup_stage() {
    Burst& u = burst_;
    for (uint16_t i = 0; i < u.n; ++i) {
        u.ids[i] = -1;
        if (u.shape[i] == Shape::no_flow) continue;
        u.ids[i] = table_.candidate(u.homes[i]);
        if (u.ids[i] >= 0) table_.prefetch_entry(static_cast<uint32_t>(u.ids[i]), u.keys[i]);
    }
}

// Stage 3: meter, decide, copy to the slow path; returns how many to forward.
uint16_t Worker::meter_stage(uint64_t now_us, const BlockTables& blocks, const PolicyTables& policies,
                             rte_mbuf** forward) {
    Burst& u = burst_;
    const Side from = u.from;
    rte_mbuf** b = u.pkts;
    const uint32_t ts_units = ts_flag_ != 0 ? cfg_.rx_timestamp_units_per_us[from] : 0;
    uint16_t kept = 0;
    uint64_t rx_bytes = 0;  // counted in a register, added once per burst
    // Candidates are confirmed against the key (handle_ip), so an entry that
    // an eviction in this stage gave to another flow is never taken for its
    // old one; flows created in this stage are looked up again.
    burst_inserted_ = inserted_;
    // The short way: a packet of a known flow whose decisions are cached and
    // pass, with nothing else to do (no slow-path copy, no TCP SYN / FIN /
    // RST, no timestamp to read, no device held): counters, time, flags, and
    // on.  Anything else takes the full way below, which does the same and more.
    const uint32_t version = SharedTables::decision_version(blocks, policies);
    const uint32_t max_tx = cfg_.max_tx_frame[from == kLan ? kWan : kLan];
    const bool short_way = ts_units == 0 && !cfg_.monitor && !reflex_.holding();
    // Without RX timestamps every packet's time is now_us (with them, the
    // full way reads each: the clock must not jump to the wall clock in a replay).
    if (ts_units == 0 && now_us > now_us_) now_us_ = now_us;
    for (uint16_t i = 0; i < u.n; ++i) {
        rte_mbuf* m = b[i];
        const uint32_t len = rte_pktmbuf_pkt_len(m);
        rx_bytes += len;
        if (short_way && u.shape[i] == Shape::fast && u.ids[i] >= 0 && (max_tx == 0 || len <= max_tx)) [[likely]] {
            const int64_t id = table_.find_from(u.keys[i], u.homes[i], u.ids[i]);
            u.ids[i] = id;
            if (id >= 0) [[likely]] {
                FlowEntry& e = table_.entry(static_cast<uint32_t>(id));
                const int dir = u.src_is_a[i] == static_cast<bool>(e.state & flow_state::lan_is_a) ? 0 : 1;
                if (e.block_version == version && !(e.state & (flow_state::blocking | flow_state::per_packet)) &&
                    !(e.mud[dir] & kPolicyDrops) && !(u.tcp_flags[i] & (tf::syn | tf::fin | tf::rst)) &&
                    now_us >= e.last_us) [[likely]] {
                    table_.count(static_cast<uint32_t>(id), dir, len);
                    e.last_us = now_us;
                    e.state |= flow_state::dirty;
                    e.tcp_flags |= u.tcp_flags[i];
                    forward[kept++] = m;
                    continue;
                }
            }
        }
        // The full way needs the whole reading of the frame.
        if (u.shape[i] == Shape::fast)
            parse_fast(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), u.parsed[i]);
        uint64_t ts = now_us;
        if (ts_units != 0 && (m->ol_flags & ts_flag_)) {
            ts = *RTE_MBUF_DYNFIELD(m, ts_offset_, rte_mbuf_timestamp_t*) / ts_units;
            packet_clock_ = true;
        }
        if (ts > now_us_) now_us_ = ts;
        bool drop = false;
        const ParsedPacket& p = u.parsed[i];
        switch (p.status) {
        case ParseStatus::ok:
            if (p.fragment) stats_.fragments.add();
            // A device the reflex holds: dropped before the flow table.
            if (reflex_.holding() && reflex_.holds(u.keys[i].mac)) [[unlikely]] {
                count_held(len);
                drop = true;
                break;
            }
            handle_ip(u.src_is_lan[i], m, p, u.keys[i], u.src_is_a[i], u.homes[i], u.ids[i], ts, blocks, policies,
                      drop);
            break;
        case ParseStatus::non_ip:
            stats_.non_ip.add();
            drop = handle_non_flow(from, p, len, blocks, policies);
            break;
        case ParseStatus::truncated:
            stats_.truncated.add();
            drop = handle_unparsed(from, p, len, blocks, policies);
            break;
        case ParseStatus::malformed:
            stats_.malformed.add();
            drop = handle_unparsed(from, p, len, blocks, policies);
            break;
        }
        if (p.status != ParseStatus::ok && !drop && reflex_.holding()) [[unlikely]]
            drop = reflex_drops(from, p, len);
        // Copied before a drop decision: a quarantined device still tells
        // who it is, and the controller wants to know.
        uint32_t hold_seq = 0;
        if (slow_ != nullptr) {
            const SlowKind kind = classify_slow(p);
            if (kind != SlowKind::none) [[unlikely]] {
                const bool from_lan = p.status == ParseStatus::ok ? u.src_is_lan[i] : from == kLan;
                const bool hold = !drop && holds(from, p, kind, policies);
                if (hold && held_count_ == kHoldSlots) stats_.answers_unheld.add();
                if (hold && held_count_ < kHoldSlots) hold_seq = next_hold_seq_++;
                if (!copy_to_slow_path(m, p, kind, from, from_lan, ts, hold_seq) && hold_seq != 0) {
                    stats_.answers_unheld.add();  // no copy: nothing would release it
                    hold_seq = 0;
                }
            }
        }
        if (drop) {
            stats_.blocked_pkts.add();
            stats_.blocked_bytes.add(len);
        } else if (const uint32_t max = cfg_.max_tx_frame[from == kLan ? kWan : kLan]; max != 0 && len > max)
            [[unlikely]] {
            stats_.oversize.add();  // the port would send it cut: never alter a frame
            drop = true;
        }
        if (drop || cfg_.monitor) {
            rte_pktmbuf_free(m);
        } else if (hold_seq != 0) [[unlikely]] {
            held_[(held_head_ + held_count_++) % kHoldSlots] = {m, hold_seq, rte_rdtsc()};
            stats_.answers_held.add();  // forwarded when released (take_released)
        } else {
            forward[kept++] = m;
        }
    }
    stats_.rx_pkts[from].add(u.n);
    stats_.rx_bytes[from].add(rx_bytes);
    return kept;
}

bool Worker::copy_to_slow_path(const rte_mbuf* m, const ParsedPacket& p, SlowKind kind, Side from, bool src_is_lan,
                               uint64_t ts, uint32_t hold_seq) {
    if (cfg_.monitor && p.status != ParseStatus::ok) src_is_lan = cfg_.lan.frame_from_lan(p.src_mac, p.dst_mac);
    const SlowMeta meta{ts, kind, static_cast<uint8_t>(from), src_is_lan, cfg_.index, hold_seq};
    if (slow_->push(m, meta)) {
        stats_.slow_copies.add();
        return true;
    }
    stats_.slow_overflow.add();
    return false;
}

bool Worker::holds(Side from, const ParsedPacket& p, SlowKind kind, const PolicyTables& policies) const {
    if (cfg_.monitor || from != kWan || p.proto != 17 || policies.empty()) return false;
    // A replay in time order holds a DHCP server's answers too: the resolver
    // a lease names is a network service before the device's first query.
    if (cfg_.time_ordered && kind == SlowKind::dhcp && p.sport == 67) return true;
    if (kind != SlowKind::dns || p.sport != 53) return false;
    const PolicyTables::Device* d = policies.find(p.dst_mac);
    return d != nullptr && d->hold_answers;
}

uint16_t Worker::take_released(rte_mbuf** out, uint16_t max, uint64_t tsc, bool all) {
    if (held_count_ == 0) return 0;
    const uint32_t released = slow_->released();
    uint16_t n = 0;
    while (held_count_ != 0 && n < max) {
        const Held& h = held_[held_head_];
        // Sequence numbers wrap: compare by distance.
        const bool is_released = static_cast<int32_t>(released - h.seq) >= 0;
        if (!is_released && !all && tsc - h.since_tsc < max_hold_tsc_) break;
        if (!is_released) stats_.answers_timed_out.add();
        out[n++] = h.m;
        held_head_ = (held_head_ + 1) % kHoldSlots;
        --held_count_;
    }
    return n;
}

void Worker::housekeeping(uint64_t now_us) {
    if (now_us > now_us_) now_us_ = now_us;
    if (reflex_.active()) [[unlikely]] {
        // A hold lasts until the control side's quarantine rule is in force.
        if (reflex_.holding()) reflex_.settle(*tables_.blocks.current());
        stats_.reflex_replaced.set(reflex_.replaced());
        stats_.reflex_alarms_lost.set(reflex_.alarms_lost());
    }
    const uint64_t now = now_us_;
    const uint32_t cap = table_.capacity();
    for (uint32_t i = 0; i < scan_slice_ && table_.size() > 0; ++i) {
        const uint32_t id = scan_cursor_;
        scan_cursor_ = scan_cursor_ + 1 < cap ? scan_cursor_ + 1 : 0;
        FlowEntry& e = table_.entry(id);
        if (!(e.state & flow_state::in_use)) continue;
        if (now > e.last_us + timeout_of(e)) {
            const EndReason reason = (e.state & flow_state::rst)                              ? EndReason::rst
                                     : (e.state & (flow_state::fin_out | flow_state::fin_in)) ? EndReason::fin
                                                                                              : EndReason::idle;
            stats_.flows_ended.add();
            end_flow(id, reason);
        } else if (cfg_.update_interval_us != 0 && (e.state & flow_state::dirty) &&
                   now >= table_.cold(id).last_report_us + cfg_.update_interval_us) {
            e.state &= ~flow_state::dirty;
            table_.cold(id).last_report_us = now;
            stage(id, FlowEvent::update, EndReason::none);
        }
    }
    flush_records();
}

void Worker::send(uint16_t port, uint16_t queue, Side to, rte_mbuf** pkts, uint16_t n) {
    uint16_t sent = 0;
    for (int attempt = 0; attempt < kTxRetries && sent < n; ++attempt)
        sent += rte_eth_tx_burst(port, queue, pkts + sent, n - sent);
    for (uint16_t i = 0; i < sent; ++i) stats_.tx_bytes[to].add(rte_pktmbuf_pkt_len(pkts[i]));
    stats_.tx_pkts[to].add(sent);
    if (sent < n) {
        stats_.tx_failed[to].add(n - sent);
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
}

void Worker::forward_burst(const WorkerPorts& ports, Side from, rte_mbuf** pkts, uint16_t n) {
    if (n == 0) return;
    const Side to = from == kLan ? kWan : kLan;
    const uint64_t t = timed_ ? rte_rdtsc() : 0;
    send(to == kLan ? ports.lan_port : ports.wan_port, ports.queue, to, pkts, n);
    if (timed_) stats_.cycles_tx.add(rte_rdtsc() - t);
}

uint16_t Worker::receive(uint16_t port, uint16_t queue, rte_mbuf** pkts) {
    const uint64_t t = timed_ ? rte_rdtsc() : 0;
    const uint16_t n = rte_eth_rx_burst(port, queue, pkts, kBurstSize);
    if (timed_) stats_.cycles_rx.add(rte_rdtsc() - t);
    return n;
}

bool Worker::begin_poll() {
    timed_ = ++polls_ % kTimedPollEvery == 0;
    if (timed_) stats_.timed_polls.add();
    return timed_;
}

void Worker::service(uint64_t clock_us, uint64_t tsc, uint64_t& next_housekeeping) {
    const uint64_t start = timed_ ? rte_rdtsc() : 0;  // not `tsc`: a caller may pass a simulated clock
    // Packet timestamps (replay) drive expiry when present; else the clock does.
    if (tsc >= next_housekeeping) {
        housekeeping(packet_clock_ ? now_us_ : clock_us);
        next_housekeeping = tsc + housekeeping_tsc_;
    } else {
        flush_records();
    }
    tables_.rcu.quiescent(cfg_.index);
    if (timed_) stats_.cycles_after.add(rte_rdtsc() - start);
}

void Worker::after_poll(const WorkerPorts& ports, uint64_t clock_us, uint16_t got, uint64_t& next_housekeeping,
                        uint32_t& idle) {
    const uint64_t tsc = rte_rdtsc();
    if (held_count_ != 0) [[unlikely]] {
        rte_mbuf* tx[kBurstSize];
        if (const uint16_t n = take_released(tx, kBurstSize, tsc)) send(ports.lan_port, ports.queue, kLan, tx, n);
    }
    service(clock_us, tsc, next_housekeeping);
    stats_.polls.add();
    if (got == 0) {
        stats_.idle_polls.add();
        if (cfg_.idle_sleep_us != 0 && ++idle >= cfg_.idle_polls_before_sleep) {
            tables_.rcu.offline(cfg_.index);
            rte_delay_us_sleep(cfg_.idle_sleep_us);
            tables_.rcu.online(cfg_.index);
        }
    } else {
        idle = 0;
    }
}

void Worker::run(const WorkerPorts& ports, const std::atomic<bool>& stop) {
    tables_.rcu.online(cfg_.index);
    if (cfg_.time_ordered && !cfg_.monitor) {
        run_time_ordered(ports, stop);
    } else {
        const EpochClock clock;
        uint64_t next_housekeeping = 0;
        uint32_t idle = 0;
        rte_mbuf* rx[kBurstSize];
        rte_mbuf* tx[kBurstSize];
        while (!stop.load(std::memory_order_relaxed)) {
            const uint64_t now = clock.now_us();
            begin_poll();
            uint16_t got = 0;
            for (int s = 0; s < (cfg_.monitor ? 1 : 2); ++s) {
                const Side side = static_cast<Side>(s);
                const uint16_t n = receive(side == kLan ? ports.lan_port : ports.wan_port, ports.queue, rx);
                if (n == 0) continue;
                got += n;
                forward_burst(ports, side, tx, process_burst(side, rx, n, now, tx));
            }
            after_poll(ports, now, got, next_housekeeping, idle);
        }
    }
    tables_.rcu.offline(cfg_.index);
    flush_records();
    // Fail open: answers still held go out as the worker stops.
    rte_mbuf* tx[kBurstSize];
    while (held_count_ != 0) {
        const uint16_t n = take_released(tx, kBurstSize, rte_rdtsc(), true);
        send(ports.lan_port, ports.queue, kLan, tx, n);
    }
}

uint64_t Worker::capture_time_us(const rte_mbuf* m, Side from) const {
    const uint32_t units = cfg_.rx_timestamp_units_per_us[from];
    if (ts_flag_ == 0 || units == 0 || !(m->ol_flags & ts_flag_)) return 0;
    return *RTE_MBUF_DYNFIELD(m, ts_offset_, const rte_mbuf_timestamp_t*) / units;
}

// Each port's frames wait in a look-ahead burst; the earliest head of the two
// goes next, one frame at a time, so that what a frame teaches (a DNS answer)
// is known before any later frame of either port.  A port with nothing to
// read is exhausted for now (a capture file at its end): the other goes on.
// While an answer is held, nothing more is read: the device it is for would
// not send what depends on it before it arrived.
void Worker::run_time_ordered(const WorkerPorts& ports, const std::atomic<bool>& stop) {
    const EpochClock clock;
    uint64_t next_housekeeping = 0;
    uint32_t idle = 0;
    struct Lookahead {
        rte_mbuf* m[kBurstSize];
        uint16_t head = 0, n = 0;
        bool empty() const { return head == n; }
    } in[2];
    rte_mbuf* tx[kBurstSize];
    while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t now = clock.now_us();
        begin_poll();
        uint16_t got = 0;
        if (held_count_ == 0) {
            for (int s = 0; s < 2; ++s)
                if (in[s].empty()) {
                    in[s].head = 0;
                    in[s].n = receive(s == kLan ? ports.lan_port : ports.wan_port, ports.queue, in[s].m);
                }
            // A burst's worth at most, and never past an answer that is held.
            while (got < kBurstSize && held_count_ == 0 && !(in[kLan].empty() && in[kWan].empty())) {
                Side side;
                if (in[kLan].empty())
                    side = kWan;
                else if (in[kWan].empty())
                    side = kLan;
                else
                    side = capture_time_us(in[kWan].m[in[kWan].head], kWan) <
                                   capture_time_us(in[kLan].m[in[kLan].head], kLan)
                               ? kWan
                               : kLan;
                rte_mbuf* m = in[side].m[in[side].head++];
                ++got;
                forward_burst(ports, side, tx, process_burst(side, &m, 1, now, tx));
                // Refill a drained port before choosing again, or its next
                // frame would lose to the other port's later ones.
                if (in[side].empty()) {
                    in[side].head = 0;
                    in[side].n = receive(side == kLan ? ports.lan_port : ports.wan_port, ports.queue, in[side].m);
                }
            }
        }
        after_poll(ports, now, got, next_housekeeping, idle);
    }
    // Frames read ahead when the stop came are judged and sent as any other.
    for (int s = 0; s < 2; ++s) {
        const Side side = static_cast<Side>(s);
        if (const uint16_t n = in[s].n - in[s].head)
            forward_burst(ports, side, tx, process_burst(side, in[s].m + in[s].head, n, clock.now_us(), tx));
    }
}

void Worker::drain(EndReason reason, const std::function<void(const FlowRecord&)>& sink) {
    // Records built in the ring but not committed come first, handed over
    // here: none is committed, their slots go back.
    for (unsigned i = 0; i < in_ring_used_; ++i) sink(in_ring_.slot(i));
    in_ring_used_ = 0;
    commit_records();
    for (unsigned i = 0; i < staged_; ++i) sink(stage_[i]);
    staged_ = 0;
    FlowRecord r;
    for (uint32_t id = 0; id < table_.capacity() && table_.size() > 0; ++id) {
        if (!(table_.entry(id).state & flow_state::in_use)) continue;
        fill_record(id, FlowEvent::end, reason, r);
        sink(r);
        table_.erase(id);
    }
    stats_.flows_active.set(0);
}

}  // namespace spin::dp
