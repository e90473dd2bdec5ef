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

struct alignas(64) WorkerStats {
    Counter rx_pkts[2];       // by side of arrival
    Counter rx_bytes[2];
    Counter tx_pkts[2];       // by side of departure
    Counter tx_bytes[2];
    Counter tx_failed[2];     // the port refused them after retries: freed, counted
    Counter blocked_pkts;     // dropped by a block rule (per rule: the rule counters)
    Counter blocked_bytes;
    Counter non_ip;           // forwarded without metering: ARP, LLDP, unknown ethertypes
    Counter truncated;        // forwarded without metering: header cut short
    Counter malformed;        // forwarded without metering: inconsistent header
    Counter fragments;        // IP fragments (later fragments are metered by address pair)
    Counter flows_created;
    Counter flows_ended;      // idle, fin, rst
    Counter flows_evicted;    // removed early because the table was full
    Counter flows_untracked;  // packets forwarded unmetered because the table was full
    Counter flows_active;     // table occupancy
    Counter records;          // flow records handed to the control side
    Counter ring_overflow;    // flow records lost because the ring was full
    Counter slow_copies;      // frames copied to the slow path (DNS, DHCP, ARP...)
    Counter slow_overflow;    // slow-path copies lost: copy pool empty or ring full
    Counter polls;
    Counter idle_polls;
};

}  // namespace spin::dp
