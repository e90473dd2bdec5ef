// The Mirai reflex of one worker (docs/detection.md, "The agent's reflex").
//
// Mirai's scanner writes the destination address into the sequence number
// of every probe SYN, so that it can recognise the answers without keeping
// state; nothing else does (a benign SYN matches by chance once in 2^32).
// The worker counts such SYNs per LAN device to the configured ports and, at
// `threshold`, stops the device's traffic itself (quarantine mode) before the
// control side has even heard of it.  The count is of packets, never of
// time: an unpaced replay trips on the same SYN as a real-time one.
//
// Everything is per worker and made at construction: a fixed table of
// devices (keyed hash of the MAC, bounded probe; at a full window the device
// with the fewest SYNs gives way), a short list of devices held, and a
// single-producer single-consumer queue of alarms that the control side
// empties.  Each device trips once per worker: a hold the controller lifts
// stays lifted.  A hold ends when the block tables quarantine the device
// (the control side's ordinary rule has taken over) — see settle().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/block_tables.h"

namespace spin::dp {

enum class ReflexMode : uint8_t { off, alert, quarantine };

struct ScanReflexConfig {
    ReflexMode mode = ReflexMode::off;
    uint32_t threshold = 3;  // scan SYNs of one device that trip it (the last is dropped when held)
    std::vector<uint16_t> ports{23, 2323};
    uint16_t rule = 0;  // the rule id a hold's drops are counted under (the agent reserves one)
};

// What a trip tells the control side.
struct ScanAlarm {
    static constexpr unsigned kTargets = 4;
    struct Target {
        uint8_t addr[4];
        uint16_t port;
    };
    uint8_t mac[6];
    uint8_t lan_ip[4];  // the source address of the tripping SYN
    uint8_t worker;
    bool held;  // the worker stops the device's traffic (false: alert mode, or no room to hold)
    uint16_t sport;
    uint8_t targets;  // how many of target[] are set: the first SYNs' destinations
    Target target[kTargets];
    uint32_t count;              // scan SYNs of the device on this worker
    uint64_t first_us, last_us;  // the first one, and the one that tripped
};

class ScanReflex {
public:
    static constexpr uint32_t kSlots = 1024;  // devices counted per worker
    static constexpr uint32_t kProbe = 8;
    static constexpr uint32_t kMaxHeld = 16;
    static constexpr uint32_t kAlarmQueue = 64;

    ScanReflex(const ScanReflexConfig& config, uint8_t worker);

    bool active() const { return mode_ != ReflexMode::off; }
    uint16_t rule() const { return rule_; }
    // Whether a SYN of a LAN device to `port` with this sequence number and
    // IPv4 destination (network order) is Mirai's scan probe.
    bool is_scan_syn(uint32_t seq, const uint8_t* daddr, uint16_t port) const {
        const uint32_t d = uint32_t{daddr[0]} << 24 | uint32_t{daddr[1]} << 16 | uint32_t{daddr[2]} << 8 | daddr[3];
        return seq == d && (ports_[port >> 6] >> (port & 63) & 1);
    }
    // Counts one scan SYN of device `mac`; true when the device is held from
    // this packet on (the caller drops it).  Raises an alarm at the trip.
    bool on_scan_syn(const uint8_t* mac, const uint8_t* saddr, const uint8_t* daddr, uint16_t sport, uint16_t dport,
                     uint64_t ts);

    bool holding() const { return held_n_ != 0; }
    bool holds(const uint8_t* mac) const;
    // Ends the holds that `tables` quarantine (the ordinary rule is in force).
    void settle(const BlockTables& tables);

    // The control side: takes up to `max` alarms, oldest first.
    unsigned take_alarms(ScanAlarm* out, unsigned max);

    // Worker-only counters (the worker copies them into its stats).
    uint64_t syns() const { return syns_; }
    uint64_t replaced() const { return replaced_; }
    uint64_t alarms_lost() const { return alarms_lost_; }

private:
    struct Slot {
        uint64_t mac = 0;  // 48 bits; 0: free (no device has MAC 00:00:00:00:00:00 and a scan)
        uint32_t count = 0;
        uint8_t targets = 0;
        bool tripped = false;
        uint64_t first_us = 0;
        ScanAlarm::Target target[ScanAlarm::kTargets];
    };
    static uint64_t mac_bits(const uint8_t* mac);
    uint32_t slot_of(uint64_t mac) const;
    Slot& find_or_take(uint64_t mac);
    void raise(const ScanAlarm& a);

    ReflexMode mode_;
    uint32_t threshold_;
    uint16_t rule_;
    uint8_t worker_;
    uint64_t secret_;
    std::unique_ptr<uint64_t[]> ports_;  // 65536-bit set
    std::unique_ptr<Slot[]> slots_;
    uint64_t held_[kMaxHeld] = {};
    uint32_t held_n_ = 0;
    uint64_t syns_ = 0, replaced_ = 0, alarms_lost_ = 0;
    std::unique_ptr<ScanAlarm[]> alarms_;
    alignas(64) std::atomic<uint32_t> alarm_head_{0};  // written by the worker
    alignas(64) std::atomic<uint32_t> alarm_tail_{0};  // written by the control side
};

}  // namespace spin::dp
