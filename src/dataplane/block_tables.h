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
#include <tuple>
#include <vector>

#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "dataplane/address_bits.h"
#include "dataplane/flow_key.h"
#include "dataplane/network_services.h"

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
    FlowKey flow{};  // flow entries: the canonical key; VLAN 0 matches any VLAN
};

class BlockTables {
public:
    // Builds a snapshot.  Rule ids must be non-zero.
    BlockTables(uint32_t version, std::vector<TableEntry> entries, NetworkServices services = {});

    uint32_t version() const { return version_; }
    bool empty() const { return entries_.empty(); }
    bool has_mac_rules() const { return !quarantine_.empty(); }
    bool has_allow_policies() const { return !allow_policy_.empty(); }
    bool has_device_rules() const { return !device_rule_.empty(); }
    const std::vector<TableEntry>& entries() const { return entries_; }
    const NetworkServices& services() const { return services_; }

    // Rule dropping the flow `key` (lan_is_a: which end is the LAN side)
    // whose LAN device is `mac` (may be null); 0 if none.  Checked in the
    // order quarantine, flow, device-remote, global-remote, then the device's
    // allow policy: a device with one reaches only its allowed remotes and
    // the network services it needs (network_service).  ICMP flows of such a
    // device are dropped here and *per_packet set: their packets may still
    // pass one by one (match_packet).
    uint16_t match_flow(const uint8_t* mac, const FlowKey& key, bool lan_is_a, bool* per_packet = nullptr) const;
    // The same for one packet of the flow, ICMP type and direction known.
    uint16_t match_packet(const uint8_t* mac, const FlowKey& key, bool lan_is_a, const PacketFacts& packet) const;
    // Rule dropping an IP frame the parser gave up on (truncated or
    // malformed), whose addresses are known but whose ports are not: the
    // address rules, flow rules by address pair and protocol (a tiny first
    // fragment hides its ports), and then any rule naming the device at
    // all: a contained device gets no unparseable frame through.  0 if none.
    uint16_t match_unparsed(const uint8_t* mac, const uint8_t* lan_ip, const uint8_t* remote, uint8_t ip_version,
                            uint8_t proto) const;
    // Rule quarantining `mac`, 0 if none.
    uint16_t match_mac(const uint8_t* mac) const;

    // What an allow policy lets through without naming it (network_services.h).
    bool network_service(const FlowKey& key, bool lan_is_a, const PacketFacts* packet) const {
        return is_network_service(services_, key, lan_is_a, packet);
    }

private:
    using Addr = Addr128;
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
    struct DeviceHost {  // a whole address: what DNS answers teach, by the thousand per device
        uint64_t mac;
        uint8_t ip_version;
        Addr addr;
        uint16_t rule;
        auto key() const { return std::tuple(mac, ip_version, addr.hi, addr.lo); }
    };
    // A device's remotes: single addresses found by binary search, so that
    // a device that resolved thousands of names costs a logarithm per new
    // flow, and the (few) wider prefixes scanned.
    struct DeviceRemotes {
        std::vector<DeviceHost> hosts;       // sorted by key()
        std::vector<DeviceRemote> prefixes;  // sorted by mac
        void add(const TableEntry& e, const Addr& mask, const Addr& addr);
        void sort();
        uint16_t match(uint64_t mac, const Addr& a, uint8_t ip_version) const;
    };
    static uint16_t find_mac(const std::vector<std::pair<uint64_t, uint16_t>>& table, const uint8_t* mac);
    uint16_t match_tuple(const FlowKey& key) const;
    uint16_t match_addresses(const uint8_t* mac, const uint8_t* remote, uint8_t ip_version) const;
    uint16_t judge(const uint8_t* mac, const FlowKey& key, bool lan_is_a, const PacketFacts* packet,
                   bool* per_packet) const;

    uint32_t version_;
    std::vector<TableEntry> entries_;
    NetworkServices services_;
    std::vector<std::pair<uint64_t, uint16_t>> device_rule_;  // sorted mac -> a rule naming it (lowest id)
    std::vector<std::pair<uint64_t, uint16_t>> quarantine_;
    std::vector<std::pair<FlowKey, uint16_t>> flows_;
    DeviceRemotes device_remote_;
    std::vector<std::pair<uint64_t, uint16_t>> allow_policy_;  // sorted mac -> policy rule
    DeviceRemotes allow_remote_;
    std::vector<PrefixGroup> global_;
};

}  // namespace spin::dp
