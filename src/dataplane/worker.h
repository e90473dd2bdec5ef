// The per-worker pipeline: parse, meter, enforce, forward.
//
// A Worker owns its flow table, counters and record staging area; it shares
// only the tables of SharedTables (read through RCU) and its record ring
// (SP/SC).  The
// processing functions take mbufs from anywhere, so pipeline tests call them
// directly; run() is the poll-mode loop over real ports.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dataplane/flow_table.h"
#include "dataplane/lan_classifier.h"
#include "dataplane/packet_parser.h"
#include "dataplane/record_ring.h"
#include "dataplane/scan_reflex.h"
#include "dataplane/shared_tables.h"
#include "dataplane/slow_path.h"
#include "dataplane/worker_stats.h"
#include "proto/flow_record.h"

struct rte_mbuf;

namespace spin::dp {

inline constexpr uint16_t kBurstSize = 32;
inline constexpr uint32_t kMaxRules = 65536;  // rule ids are 16 bits

struct FlowTimeouts {
    uint64_t tcp_us = 300'000'000;        // established TCP, idle
    uint64_t tcp_closed_us = 10'000'000;  // after FIN both ways or RST: late ACKs still count
    uint64_t udp_us = 60'000'000;
    uint64_t icmp_us = 30'000'000;
    uint64_t other_us = 60'000'000;
};

struct WorkerConfig {
    uint8_t index = 0;  // worker number, also the RCU reader id
    uint32_t flow_capacity = 1'000'000;
    FlowTimeouts timeouts;
    uint64_t update_interval_us = 10'000'000;  // 0: no periodic update records
    uint64_t sweep_period_us = 1'000'000;      // every flow is examined for expiry this often
    bool evict_when_full = true;
    uint64_t evict_min_idle_us = 1'000'000;  // never evict a flow younger than this in idleness
    bool monitor = false;                    // no transmission; direction from `lan`
    LanClassifier lan;
    uint32_t idle_polls_before_sleep = 1000;
    uint32_t idle_sleep_us = 100;  // 0: busy-poll forever
    // How to turn a port's RX timestamp (mbuf dynfield) into microseconds, by
    // side of arrival: 0 ignores it (time from the TSC clock), else the number
    // of timestamp units per microsecond.  Only ports whose unit is known set
    // it (net_pcap: capture time in microseconds); NIC clocks are raw ticks.
    uint32_t rx_timestamp_units_per_us[2] = {0, 0};
    // The longest frame each port (by side of departure) sends whole; a
    // longer one is dropped and counted, never cut.  0: no limit.
    uint32_t max_tx_frame[2] = {0, 0};
    // Replay of two captures (bridge, one worker): frames of both ports go
    // to the pipeline in capture-time order, and none while a DNS answer is
    // held (a device sends nothing that needs the answer before it has it).
    bool time_ordered = false;
    ScanReflexConfig reflex;  // Mirai's scan SYN: count, alert, hold (dataplane/scan_reflex.h)
};

// Ports a worker polls: queue `queue` on each.  In monitor mode only lan_port.
struct WorkerPorts {
    uint16_t lan_port = 0;
    uint16_t wan_port = 0;
    uint16_t queue = 0;
};

class Worker {
public:
    // ring: where flow records go; slow: where slow-path copies go (either may
    // be null: records are then counted as overflow, copies not made).
    Worker(WorkerConfig config, SharedTables& tables, RecordRing* ring, SlowQueue* slow = nullptr);
    ~Worker();  // frees answers still held
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Processes packets that arrived on side `from` at time now_us (used for
    // packets without a receive timestamp).  Packets to forward are written to
    // `forward` in arrival order; dropped ones are freed.  Returns the number
    // to forward.  In monitor mode nothing is forwarded and all are freed.
    uint16_t process_burst(Side from, rte_mbuf** pkts, uint16_t n, uint64_t now_us, rte_mbuf** forward);

    // Expires idle flows and emits periodic updates for one slice of the
    // table, then hands staged records to the ring.  run() calls it every
    // kHousekeepingIntervalUs, with slices sized so that the whole table is
    // swept once per sweep_period_us.
    void housekeeping(uint64_t now_us);
    static constexpr uint64_t kHousekeepingIntervalUs = 1000;
    uint32_t scan_slice() const { return scan_slice_; }

    // Stage timing: one poll in kTimedPollEvery reads the TSC between its
    // stages (receive, parse, lookup, meter, transmit, after) into the
    // cycles_* counters, so that the agent and the benchmark say where the
    // cycles go at a cost of a few rdtsc per kTimedPollEvery bursts.
    static constexpr uint32_t kTimedPollEvery = 16;
    // Starts a poll; returns whether it is timed.
    bool begin_poll();
    // What every poll does after its packets: housekeeping when next_housekeeping
    // (TSC) has come (then sets the next), else a flush of the staged records;
    // an RCU quiescent state.  tsc: now.
    void service(uint64_t clock_us, uint64_t tsc, uint64_t& next_housekeeping);

    // The lcore loop: polls until *stop is set.  Must run on one thread only.
    void run(const WorkerPorts& ports, const std::atomic<bool>& stop);

    // DNS answers held for a device whose MUD policy names names (enforce
    // mode): the original waits, its copy carrying a sequence number, until
    // the control side has put what the answer teaches in force on every
    // worker and releases that number, so the device's first connection to
    // the answer's address is already allowed.  Bounded: at most kHoldSlots
    // at once (more are forwarded at once, counted) and at most kMaxHoldUs
    // each (then sent anyway: a stalled control side never cuts DNS).
    static constexpr unsigned kHoldSlots = 256;
    static constexpr uint64_t kMaxHoldUs = 200'000;
    // Held answers whose time has come (released, or held kMaxHoldUs by
    // `tsc`; with `all`, every one), oldest first, up to `max`: the caller
    // sends them to the LAN.
    uint16_t take_released(rte_mbuf** out, uint16_t max, uint64_t tsc, bool all = false);
    unsigned held() const { return held_count_; }

    // After the worker has stopped: hands every staged record and then an end
    // record (reason `reason`) for every open flow to `sink`, emptying the table.
    void drain(proto::EndReason reason, const std::function<void(const proto::FlowRecord&)>& sink);

    const WorkerStats& stats() const { return stats_; }
    const FlowTable& flows() const { return table_; }
    uint64_t rule_pkts(uint16_t rule) const { return rule_pkts_[rule].get(); }
    uint64_t rule_bytes(uint16_t rule) const { return rule_bytes_[rule].get(); }
    uint64_t now_us() const { return now_us_; }
    // The control side takes the reflex's alarms from here (single consumer).
    ScanReflex& reflex() { return reflex_; }

private:
    struct PacketTime;
    // The stages of process_burst, each over one burst of at most kBurstSize
    // in burst_.  Separate functions so that a profile (callgrind) gives each
    // stage's cost; a call per stage per burst is all they cost.
    [[gnu::noinline]] void parse_stage(Side from, rte_mbuf** pkts, uint16_t n);
    [[gnu::noinline]] void lookup_stage();
    [[gnu::noinline]] uint16_t meter_stage(uint64_t now_us, const BlockTables& blocks, const PolicyTables& policies,
                                           rte_mbuf** forward);
    // id: the flow's entry as looked up before metering, or -1.
    void handle_ip(bool src_is_lan, rte_mbuf* m, const ParsedPacket& p, const FlowKey& key, bool src_is_a,
                   const FlowTable::Home& home, int64_t id, uint64_t ts, const BlockTables& blocks,
                   const PolicyTables& policies, bool& drop);
    // A frame of flow `id` dropped by a rule: counted in the flow (a blocked record on the first).
    void count_blocked(uint32_t id, FlowCold& c, uint32_t len);
    // Counts a SYN that opens a flow if it is Mirai's probe; true when it trips the reflex (the
    // device is held from this packet on).  Frames of a held device are dropped before the flow
    // table: counted (reflex_held_pkts and the hold's rule), not metered, for the millisecond
    // until the control side's quarantine rule takes over.
    bool reflex_trips(bool src_is_lan, const ParsedPacket& p, const FlowKey& key, uint64_t ts);
    bool handle_non_flow(Side from, const ParsedPacket& p, uint32_t len, const BlockTables& blocks,
                         const PolicyTables& policies);
    // A frame of a device the reflex holds: dropped, counted under the reflex's rule.
    bool reflex_drops(Side from, const ParsedPacket& p, uint32_t len);
    void count_held(uint32_t len);
    bool handle_unparsed(Side from, const ParsedPacket& p, uint32_t len, const BlockTables& blocks,
                         const PolicyTables& policies);
    // The MUD verdicts of a flow, both directions, under the current tables.
    void decide_policy(FlowEntry& e, uint8_t initiator, const FlowKey& key, const PolicyTables& policies) const;
    // Whether the device's policy drops a packet whose verdict is `verdict`
    // (enforce mode, and no entry or a drop entry); counted under the policy's rule.
    bool policy_drops(const PolicyTables& policies, const uint8_t* mac, uint16_t verdict, uint32_t len, uint16_t* rule);
    int64_t create_flow(bool src_is_lan, const ParsedPacket& p, const FlowKey& key, bool src_is_a,
                        const FlowTable::Home& home, uint64_t ts);
    bool evict_one(uint64_t now_us);
    void end_flow(uint32_t id, proto::EndReason reason);
    void stage(uint32_t id, proto::FlowEvent ev, proto::EndReason reason);
    void fill_record(uint32_t id, proto::FlowEvent ev, proto::EndReason reason, proto::FlowRecord& r) const;
    void flush_records();
    // Makes the records built in the ring visible to the control side.
    void commit_records();
    uint64_t timeout_of(const FlowEntry& e) const;
    // Copies `m` for the slow path; with hold_seq != 0 the copy asks for the original's release.
    bool copy_to_slow_path(const rte_mbuf* m, const ParsedPacket& p, SlowKind kind, Side from, bool src_is_lan,
                           uint64_t ts, uint32_t hold_seq = 0);
    // Whether this frame is a DNS answer to hold (see kHoldSlots).
    bool holds(Side from, const ParsedPacket& p, SlowKind kind, const PolicyTables& policies) const;
    void send(uint16_t port, uint16_t queue, Side to, rte_mbuf** pkts, uint16_t n);
    // The RX timestamp of `m` in microseconds, 0 when it has none.
    uint64_t capture_time_us(const rte_mbuf* m, Side from) const;
    // run() for time_ordered: merges the ports by capture time.
    void run_time_ordered(const WorkerPorts& ports, const std::atomic<bool>& stop);
    // What both loops do after the packets of one poll.
    void after_poll(const WorkerPorts& ports, uint64_t clock_us, uint16_t got, uint64_t& next_housekeeping,
                    uint32_t& idle);
    // Sends what process_burst kept toward the other side.
    void forward_burst(const WorkerPorts& ports, Side from, rte_mbuf** pkts, uint16_t n);
    // A burst from a port (at most kBurstSize).
    uint16_t receive(uint16_t port, uint16_t queue, rte_mbuf** pkts);

    // How far stage 1 read a frame.
    enum class Shape : uint8_t {
        no_flow,  // not an IP packet with a flow key: parsed[] says what it is
        parsed,   // parsed[] is filled, keys[] made from it
        fast,     // TCP / UDP of the common shapes: keys[] read from the frame, parsed[] not filled
    };
    // What the stages of process_burst hand each other.
    struct Burst {
        Side from;
        uint16_t n;
        rte_mbuf** pkts;
        ParsedPacket parsed[kBurstSize];
        FlowKey keys[kBurstSize];
        FlowTable::Home homes[kBurstSize];
        int64_t ids[kBurstSize];
        bool src_is_a[kBurstSize];
        bool src_is_lan[kBurstSize];
        Shape shape[kBurstSize];
        uint8_t tcp_flags[kBurstSize];
    };

    WorkerConfig cfg_;
    SharedTables& tables_;
    RecordRing* ring_;
    SlowQueue* slow_;
    FlowTable table_;
    ScanReflex reflex_;
    WorkerStats stats_;
    std::unique_ptr<Counter[]> rule_pkts_;
    std::unique_ptr<Counter[]> rule_bytes_;
    uint64_t now_us_ = 0;
    uint32_t scan_cursor_ = 0;
    uint32_t scan_slice_;
    uint32_t evict_cursor_ = 0;
    uint64_t inserted_ = 0;        // flows created, ever
    uint64_t burst_inserted_ = 0;  // ... when the burst's meter stage began
    uint32_t polls_ = 0;
    Burst burst_;
    bool timed_ = false;  // this poll's stages are timed
    int ts_offset_ = -1;  // mbuf dynfield of the RX timestamp, if a port provides one
    uint64_t ts_flag_ = 0;
    bool packet_clock_ = false;  // packets carry capture / NIC timestamps: time follows them
    struct Held {
        rte_mbuf* m;
        uint32_t seq;
        uint64_t since_tsc;
    };
    Held held_[kHoldSlots];  // a FIFO: oldest at held_head_
    unsigned held_head_ = 0, held_count_ = 0;
    uint32_t next_hold_seq_ = 1;
    uint64_t max_hold_tsc_;
    uint64_t housekeeping_tsc_;
    // Records are built in place in the ring (in_ring_, in_ring_used_ of
    // them so far; committed by flush_records, every poll); the stage takes
    // them only while the ring is full, and then every later one until it
    // drains, so that records keep their order.
    RecordRing::Reservation in_ring_;
    unsigned in_ring_used_ = 0;
    static constexpr unsigned kStageSize = 256;
    unsigned staged_ = 0;
    proto::FlowRecord stage_[kStageSize];
};

}  // namespace spin::dp
