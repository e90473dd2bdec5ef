// Turns the agents' flow records (running totals per flow, docs/protocol.md)
// into traffic per device x remote x bucket, counting every packet once:
//
//  - A flow's records carry totals since it started; the difference from
//    the previous record of the same flow (same agent, worker and slot, no
//    `start` or `end` between) is what happened since, and goes to the
//    minute of the record's last packet.
//  - The same flow reported by two agents (one device seen by both) is the
//    same 5-tuple with overlapping lifetimes: the first agent to report it
//    owns it and the other's records are counted as duplicates, not traffic.
//    An owner silent for `takeover_us` while the other agent still reports
//    the flow hands it over (the device moved); the new owner's totals up to
//    then are taken as the baseline.
//  - A flow first seen mid-life (controller restarted, batches lost) counts
//    from its totals so far: nothing is known to be counted already.
//
// An ended flow is remembered (for `takeover_us`) only for devices that more
// than one agent reports: that is what it is remembered for, and at a
// million short flows a second, remembering all of them would cost
// gigabytes.  A device counts as shared from the first record a second agent
// sends about it.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "nmf/store/open_flows.h"
#include "nmf/store/traffic.h"
#include "proto/flow_record.h"

namespace spin::nmf {

struct AccountingStats {
    uint64_t records = 0;
    uint64_t counted = 0;         // records that added traffic (or a flow)
    uint64_t duplicates = 0;      // the same flow from a second agent
    uint64_t no_device = 0;       // no LAN-side MAC (or a group MAC)
    uint64_t takeovers = 0;       // a flow moved to another agent
    uint64_t regressions = 0;     // totals that went down within one flow (clamped to 0)
    uint64_t tracked = 0;         // flows currently tracked
    uint64_t shared_devices = 0;  // devices reported by more than one agent
    uint64_t restored = 0;        // flows reloaded from the store at start
};

// A tracked flow: where it stands, and the reporting agent by the caller's index.
struct FlowState : FlowProgress {
    uint32_t agent = 0;
};

struct FlowSnapshot {
    FlowTuple tuple;
    FlowState state;
};

class FlowAccounting {
public:
    using Pending = std::unordered_map<TrafficKey, TrafficCounters, TrafficKeyHash>;

    explicit FlowAccounting(uint64_t takeover_us = 120'000'000, uint64_t forget_us = 3'600'000'000)
        : takeover_us_(takeover_us), forget_us_(forget_us) {}

    // `agent` is the reporting agent's index (any stable small number).
    // Returns true when the record added traffic to the pending buckets;
    // `added`, when given, gets what it added (nothing for a duplicate).
    bool account(uint32_t agent, const proto::FlowRecord& r, TrafficCounters* added = nullptr);

    // The traffic accumulated since the last call.
    Pending take_pending();

    // Flows whose state changed since the last call (`changed`) and flows
    // forgotten since then that an earlier call had given (`forgotten`).
    struct Changes {
        std::vector<FlowSnapshot> changed;
        std::vector<FlowTuple> forgotten;
    };
    Changes take_changes();
    // A flow as a store kept it (before any record is accounted).
    void restore(const FlowSnapshot& flow);

    // Drops flows whose last record is older than `forget_us` before the
    // newest record seen (ended flows after `takeover_us`) and that no record
    // touched since the previous sweep; call now and then.  A flow still
    // being reported stays whatever the packet clock says: a replay of an
    // older capture after a newer one reads as months old by packet time,
    // and forgetting it mid-flow would count its totals again.
    void sweep();

    const AccountingStats& stats() const { return stats_; }

private:
    struct TupleHash {
        size_t operator()(const FlowTuple& t) const noexcept;
    };
    struct DeviceAgents {
        uint32_t first_agent;
        bool shared;
    };
    struct Tracked {
        FlowState state;
        bool changed = false;  // since the last take_changes()
        bool stored = false;   // a take_changes() gave it: its end must be given too
        uint64_t sweeps = 0;   // sweeps_ when a record last touched it
    };
    using Flows = std::unordered_map<FlowTuple, Tracked, TupleHash>;

    static TrafficCounters totals_of(const proto::FlowRecord& r);
    static bool same_flow(const FlowState& s, uint32_t agent, const proto::FlowRecord& r);
    // What a flow did since its state was recorded (shrinking totals count 0).
    TrafficCounters since(const TrafficCounters& now, const FlowState& s);
    void add(const proto::FlowRecord& r, const TrafficCounters& delta);
    void set(Flows::iterator it, const FlowState& state);
    Flows::iterator forget(Flows::iterator it);

    uint64_t takeover_us_, forget_us_;
    uint64_t newest_us_ = 0;
    uint64_t sweeps_ = 0;  // sweeps so far
    Flows flows_;
    std::vector<FlowTuple> changed_, forgotten_;
    std::unordered_map<uint64_t, DeviceAgents> devices_;  // by MAC
    Pending pending_;
    AccountingStats stats_;
};

}  // namespace spin::nmf
