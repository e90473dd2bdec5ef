// Per-worker flow table: fixed capacity, no allocation after construction,
// never shared between threads (each worker owns one; the control lcore reads
// it only after the worker has stopped).
//
// Layout: an array of 128-byte entries (two cache lines: key and state first,
// counters second), an open-addressing index of 8-byte slots (hash << 32 |
// entry + 1) at load factor <= 1/2 with linear probing and backward-shift
// deletion (no tombstones), and a stack of free entries.  docs/architecture.md
// gives the measured bytes per flow.
//
// A flow's home slot is the top bits of its keyed hash (flow_hash.h: those
// are the bits the hash family makes unpredictable).  No flow is placed more
// than max_probe slots past its home, so a lookup reads at most that many
// slots whatever the keys: a flood of colliding flows is refused (the worker
// forwards them untracked and counts them) instead of slowing every lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "dataplane/flow_hash.h"
#include "dataplane/flow_key.h"
#include "proto/flow_record.h"

namespace spin::dp {

namespace flow_state {
inline constexpr uint8_t lan_is_a = 0x01;    // endpoint a of the key is the LAN side
inline constexpr uint8_t fin_out = 0x02;     // FIN seen LAN -> remote
inline constexpr uint8_t fin_in = 0x04;      // FIN seen remote -> LAN
inline constexpr uint8_t rst = 0x08;         // RST seen
inline constexpr uint8_t dirty = 0x10;       // counters changed since the last record
inline constexpr uint8_t blocking = 0x20;    // `rule` drops this flow under block_version
inline constexpr uint8_t per_packet = 0x40;  // ... unless the packet itself passes (ICMP under an allow policy)
inline constexpr uint8_t in_use = 0x80;
}  // namespace flow_state

struct alignas(64) FlowEntry {
    // First cache line: what every packet reads.
    FlowKey key;  // 46
    uint8_t tcp_flags;
    uint8_t icmp_type;
    uint64_t last_us;        // 48
    uint32_t block_version;  // version of the tables (blocks + policies) `rule` and `mud` were decided under
    uint16_t rule;           // last rule that dropped this flow, 0 if none
    uint8_t state;           // flow_state bits
    uint8_t initiator;       // proto::Initiator
    // Second cache line: counters.
    uint64_t pkts[2];  // [0] LAN -> remote, [1] remote -> LAN
    uint64_t bytes[2];
    uint64_t first_us;
    uint32_t blocked_pkts;  // saturates
    uint16_t mud[2];        // MUD policy verdicts ([0] LAN -> remote) under block_version, kPolicyNone if none
    uint64_t blocked_bytes;
    uint64_t last_report_us;
};
static_assert(sizeof(FlowEntry) == 128);
static_assert(offsetof(FlowEntry, pkts) == 64, "counters start the second cache line");

class FlowTable {
public:
    // Probe bound: at load factor 1/2 a random key set of 1M flows has its
    // longest run well under this (flow_table_test measures it), so only
    // crafted or astronomically unlucky keys are refused.
    static constexpr uint32_t kMaxProbe = 64;
    static constexpr int64_t kFull = -1;        // insert(): no free entry
    static constexpr int64_t kProbeLimit = -2;  // insert(): no free slot within max_probe of home

    // capacity: maximum number of flows; the index gets the next power of two
    // at least twice that.  Memory comes from anonymous mmap with transparent
    // huge pages requested (fewer TLB misses on a table of this size).
    explicit FlowTable(uint32_t capacity) : FlowTable(capacity, FlowHasher::from_entropy()) {}
    FlowTable(uint32_t capacity, const FlowHasher& hasher, uint32_t max_probe = kMaxProbe);
    ~FlowTable();
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    uint32_t capacity() const { return capacity_; }
    uint32_t size() const { return size_; }
    bool full() const { return size_ == capacity_; }
    size_t memory_bytes() const { return bytes_; }

    // The keyed hash that find / insert / erase expect (tests may pass others).
    uint32_t hash(const FlowKey& key) const { return hasher_(key); }

    // Returns the entry id of key, or -1.
    int64_t find(const FlowKey& key, uint32_t hash) const;
    // Inserts key (which must be absent); returns the new entry id, kFull or
    // kProbeLimit.  The entry is zeroed except key and state = in_use.
    int64_t insert(const FlowKey& key, uint32_t hash);
    // Removes an entry in use; hash is the one it was inserted with.
    void erase(uint32_t id, uint32_t hash);
    void erase(uint32_t id) { erase(id, hash(entries_[id].key)); }

    // The longest distance of an indexed flow from its home slot (walks the
    // whole index: for tests, benchmarks and the exit report, not per packet).
    uint32_t longest_probe() const;

    FlowEntry& entry(uint32_t id) { return entries_[id]; }
    const FlowEntry& entry(uint32_t id) const { return entries_[id]; }

    // Hints the CPU to fetch the index slot that a lookup of hash starts at.
    void prefetch(uint32_t hash) const { __builtin_prefetch(&slots_[home(hash)]); }

private:
    uint64_t home(uint32_t hash) const { return hash >> shift_; }

    FlowHasher hasher_;
    uint32_t max_probe_;
    uint32_t capacity_;
    uint32_t size_ = 0;
    uint64_t mask_;
    unsigned shift_;  // 32 - log2(index slots)
    size_t bytes_;
    void* memory_;
    FlowEntry* entries_;
    uint64_t* slots_;
    uint32_t* free_;  // stack of free entry ids
    uint32_t free_top_;
};

}  // namespace spin::dp
