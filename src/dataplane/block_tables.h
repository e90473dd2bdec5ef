// Block tables: an immutable snapshot of every rule in force, read by workers
// without locks.  The control side builds a new snapshot and swaps it in with
// Snapshot (dataplane/shared_tables.h, RCU); a snapshot is never modified
// once published.
//
// Lookups are binary searches over sorted arrays: no allocation, no hashing of
// strings, cache friendly, and cheap enough to run once per flow per table
// version (workers cache the decision in the flow entry).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "dataplane/flow_key.h"

namespace spin::dp {

// What one table entry matches.  These are not the rule kinds of
// proto/rule.h: the agent compiles each rule into entries (a DNS-name rule
// into one device_remote entry per address learnt, an allow-list into a
// policy entry and its allow_remote entries), all under the rule's id.
enum class EntryKind : uint8_t {
    quarantine,     // every frame to or from a device MAC
    device_remote,  // a device MAC to / from a remote address or prefix
    flow,           // one flow (canonical key)
    global_remote,  // any device to / from a remote address or prefix
    allow_policy,   // the device may reach only its allow_remote entries (network services excepted)
    allow_remote,   // a remote address or prefix the device's allow policy lets through
};

struct TableEntry {
    uint16_t rule = 0;  // 1..65535, the rule's id; drop counters are per id
    EntryKind kind = EntryKind::quarantine;
    MacAddress mac;
    IpPrefix prefix;
    FlowKey flow{};
};

class BlockTables {
public:
    // Builds a snapshot.  Rule ids must be non-zero.
    BlockTables(uint32_t version, std::vector<TableEntry> entries);

    uint32_t version() const { return version_; }
    bool empty() const { return entries_.empty(); }
    bool has_mac_rules() const { return !quarantine_.empty(); }
    bool has_allow_policies() const { return !allow_policy_.empty(); }
    const std::vector<TableEntry>& entries() const { return entries_; }

    // Rule dropping a flow whose LAN device is `mac` (may be null) and whose
    // remote end is `remote`; 0 if none.  Checked in the order quarantine,
    // flow, device-remote, global-remote, then the device's allow policy:
    // a device with one reaches only its allowed remotes, except for what a
    // network needs to work at all (is_network_service).
    uint16_t match_flow(const uint8_t* mac, const FlowKey& key, const uint8_t* remote, uint8_t ip_version) const;
    // Rule quarantining `mac`, 0 if none.
    uint16_t match_mac(const uint8_t* mac) const;

    // Traffic an allow policy always lets through: DNS, DHCP and DHCPv6 (by
    // port), ICMPv6 (neighbour discovery), and link-local, multicast and
    // broadcast remotes.  Without them a device could not get an address or
    // resolve the names it is allowed to reach.
    static bool is_network_service(const FlowKey& key, const uint8_t* remote, uint8_t ip_version);

private:
    struct Addr {
        uint64_t hi, lo;
        bool operator<(const Addr& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
        bool operator==(const Addr& o) const { return hi == o.hi && lo == o.lo; }
    };
    struct PrefixGroup {  // all prefixes of one family and length
        uint8_t ip_version, length;
        Addr mask;
        std::vector<std::pair<Addr, uint16_t>> entries;  // sorted masked address -> rule
    };
    struct DeviceRemote {
        uint64_t mac;
        uint8_t ip_version, length;
        Addr mask, addr;
        uint16_t rule;
    };
    static Addr load(const uint8_t* addr, uint8_t ip_version);
    static Addr make_mask(uint8_t ip_version, uint8_t length);
    static uint16_t match_device_remote(const std::vector<DeviceRemote>& table, uint64_t mac, const Addr& a,
                                        uint8_t ip_version);

    uint32_t version_;
    std::vector<TableEntry> entries_;
    std::vector<std::pair<uint64_t, uint16_t>> quarantine_;
    std::vector<std::pair<FlowKey, uint16_t>> flows_;
    std::vector<DeviceRemote> device_remote_;                  // sorted by mac
    std::vector<std::pair<uint64_t, uint16_t>> allow_policy_;  // sorted mac -> policy rule
    std::vector<DeviceRemote> allow_remote_;                   // sorted by mac
    std::vector<PrefixGroup> global_;
};

}  // namespace spin::dp
