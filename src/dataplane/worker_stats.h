// Counters of one worker.  Written only by that worker (relaxed load + store,
// no locked instructions), read by the control lcore and the telemetry thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace spin::dp {

enum Side : uint8_t { kLan = 0, kWan = 1 };

class Counter {
public:
    void add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }
    uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> v_{0};
};

// Every counter of a worker, declared once: X(name, meaning).  These lists
// make the worker's fields, the agent's totals and the names that DPDK
// telemetry, the `stats` order and the exit report give them
// (docs/configuration.md, "Telemetry"); a new counter is one line here and
// the code that counts it.  Counters by side are reported as lan_NAME and
// wan_NAME.
#define SPIN_SIDE_COUNTERS(X)                         \
    X(rx_pkts, "frames received, by side of arrival") \
    X(rx_bytes, "bytes received, by side of arrival") \
    X(tx_pkts, "frames sent, by side of departure")   \
    X(tx_bytes, "bytes sent, by side of departure")   \
    X(tx_failed, "frames the port refused after retries: freed, counted")

#define SPIN_WORKER_COUNTERS(X)                                                                                 \
    X(blocked_pkts, "frames dropped by a block rule (per rule: the rule counters)")                             \
    X(blocked_bytes, "bytes of those frames")                                                                   \
    X(non_ip, "forwarded without metering: ARP, LLDP, unknown ethertypes")                                      \
    X(truncated, "header cut short: forwarded unmetered unless a rule holds")                                   \
    X(malformed, "inconsistent header: forwarded unmetered unless a rule holds")                                \
    X(unparsed_blocked, "truncated / malformed IP frames dropped by a rule")                                    \
    X(oversize, "frames longer than the outgoing port sends whole: dropped, never cut")                         \
    X(fragments, "IP fragments (later fragments are metered by address pair)")                                  \
    X(flows_created, "flows entered in the table")                                                              \
    X(flows_ended, "flows ended: idle, fin, rst")                                                               \
    X(flows_evicted, "flows removed early because the table was full")                                          \
    X(flows_untracked, "packets forwarded unmetered: table full, or no room in their buckets")                  \
    X(flows_probe_limit, "new flows refused: both buckets full, no move made room")                             \
    X(flows_active, "table occupancy")                                                                          \
    X(records, "flow records handed to the control side")                                                       \
    X(ring_overflow, "flow records lost because the ring was full")                                             \
    X(slow_copies, "frames copied to the slow path (DNS, DHCP, ARP...)")                                        \
    X(slow_overflow, "slow-path copies lost: copy pool empty or ring full")                                     \
    X(answers_held, "DNS answers held until what they teach a MUD policy is in force")                          \
    X(answers_unheld, "answers that should have been held, forwarded at once: no room")                         \
    X(answers_timed_out, "held answers sent after kMaxHoldUs without a release")                                \
    X(reflex_syns, "Mirai scan SYNs (sequence number = destination) from LAN devices to the reflex's ports")    \
    X(reflex_held_pkts, "frames of devices the reflex holds, dropped before the control side's rule took over") \
    X(reflex_replaced, "devices whose scan SYN count gave way in the reflex's full table")                      \
    X(reflex_alarms_lost, "reflex trips the control side was not told of: alarm queue full")                    \
    X(polls, "polls of the ports")                                                                              \
    X(idle_polls, "polls that found no packet")                                                                 \
    X(timed_polls, "polls whose stages were timed: one in 16 (Worker::kTimedPollEvery)")                        \
    X(timed_pkts, "packets of the timed polls")                                                                 \
    X(cycles_rx, "TSC cycles of the timed polls in the ports' receive calls")                                   \
    X(cycles_parse, "TSC cycles of the timed polls parsing frames, building flow keys and hashing them")        \
    X(cycles_lookup, "TSC cycles of the timed polls looking flows up in the index")                             \
    X(cycles_meter, "TSC cycles of the timed polls metering, deciding and copying to the slow path")            \
    X(cycles_tx, "TSC cycles of the timed polls in the ports' transmit calls")                                  \
    X(cycles_after, "TSC cycles of the timed polls after their packets: housekeeping, records, RCU")

struct alignas(64) WorkerStats {
#define SPIN_SIDE_FIELD(name, meaning) Counter name[2];
#define SPIN_FIELD(name, meaning) Counter name;
    SPIN_SIDE_COUNTERS(SPIN_SIDE_FIELD)
    SPIN_WORKER_COUNTERS(SPIN_FIELD)
#undef SPIN_SIDE_FIELD
#undef SPIN_FIELD
};

}  // namespace spin::dp
