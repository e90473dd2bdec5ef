// MUD policy tables: per device, the entries of its compiled MUD policy
// (proto/policy.h) with every address known (what the device resolved for
// a name is host prefixes here), as an immutable snapshot the workers read
// without locks (Snapshot, dataplane/shared_tables.h).
//
// A worker asks once per flow and direction per table version (the answer
// is cached in the flow entry): which entry lets this direction of the
// flow through.  Entries are tried in the policy's order; the first whose
// every constraint holds decides.  The network services a device needs
// (network_services.h) always pass.  ICMP flows are asked per packet (type
// and code), over only the entries that can match ICMP.
//
// A TCP or UDP flow tries only the entries that name its protocol (or none)
// and either its remote port exactly or no single port: the two lists, each
// in policy order, are merged as they are walked.  A MUD profile names one
// port per entry as a rule, so a new flow of a 200-entry policy tries a few
// entries, not 200 in each direction: a device opening flows as fast as it
// can makes each cost a little, not the whole policy.
#pragma once

#include <cstdint>
#include <vector>

#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "common/port_range.h"
#include "dataplane/address_bits.h"
#include "dataplane/flow_key.h"
#include "dataplane/network_services.h"
#include "proto/flow_record.h"

namespace spin::dp {

// A verdict, as records carry it (proto/flow_record.h): 1..kMaxPolicyEntries
// is the entry (its index in the policy + 1).
inline constexpr uint16_t kPolicyNone = proto::kMudNoPolicy;    // the device has no policy (or not yet decided)
inline constexpr uint16_t kPolicyService = proto::kMudService;  // a network service: always passes
inline constexpr uint16_t kPolicyNoEntry = proto::kMudNoEntry;  // no entry allows it: a violation
inline constexpr size_t kMaxPolicyEntries = proto::kMudMaxEntries;
// Set on a verdict a flow entry caches when the device's policy drops it
// (enforce mode, and no entry or a drop entry), so that a packet costs one
// test; records carry the verdict without it.
inline constexpr uint16_t kPolicyDrops = 0x8000;

// One entry as the dataplane matches it.
struct PolicyRule {
    bool accept = true;
    uint8_t dir = 0;         // 0: from the device to the remote, 1: to the device
    uint8_t ip_version = 0;  // 4 or 6; 0: either
    int32_t ethertype = -1;  // -1: any
    int16_t proto = -1;
    bool any_remote = true;
    std::vector<IpPrefix> remotes;          // unless any_remote: the remote lies in one (none: matches nothing)
    std::vector<IpPrefix> device_networks;  // empty: any address of the device
    bool has_remote_mac = false;            // then it matches non-IP frames only (an IP flow has no remote MAC)
    MacAddress remote_mac;
    PortRange remote_port, device_port;
    uint8_t opener = 0;  // proto::Initiator: 0 any, 1 the device (LAN), 2 the remote; an unknown opener passes
    int16_t icmp_type = -1, icmp_code = -1;
};

struct DevicePolicyTable {
    MacAddress mac;
    uint16_t rule = 0;     // the registry's rule id: drops are counted under it
    bool enforce = false;  // else monitor: verdicts are reported, nothing is dropped
    // Hold DNS answers to the device until what they teach is in force
    // (enforce mode, entries by name): its first connection is not dropped.
    bool hold_answers = false;
    std::vector<PolicyRule> rules;
};

class PolicyTables {
public:
    struct Device {
        uint64_t mac;
        uint16_t rule;
        bool enforce;
        bool hold_answers;
        uint32_t accept_first, entries;         // its entries' actions in accept_
        uint32_t first[2], count[2];            // its rules of each direction in rules_ (policy order)
        uint32_t icmp_first[2], icmp_count[2];  // those that can match ICMP, in icmp_
        // In candidates_, per direction: for TCP [0] and UDP [1], the rules
        // that name no single remote port; [2]: those that can match a flow of
        // another protocol.  Rules naming one remote port are in exact_.
        uint32_t wide_first[2][3], wide_count[2][3];
    };

    PolicyTables() : PolicyTables(1, {}, {}) {}
    // Throws std::invalid_argument on a device twice, rule id 0 or too many entries.
    PolicyTables(uint32_t version, std::vector<DevicePolicyTable> devices, NetworkServices services);

    uint32_t version() const { return version_; }
    bool empty() const { return devices_.empty(); }
    size_t devices() const { return devices_.size(); }

    // The policy of the device `mac` (six bytes), or null.
    const Device* find(const uint8_t* mac) const;

    // The verdict for direction `dir` (0: from the device) of the flow `key`
    // opened by `initiator` (proto::Initiator).  For ICMP give `packet`.
    uint16_t decide(const Device& d, const FlowKey& key, bool lan_is_a, int dir, uint8_t initiator,
                    const PacketFacts* packet) const;
    // The verdict for a frame that is not IP (ARP passes as neighbour
    // discovery; others only by an ethertype entry).
    uint16_t decide_frame(const Device& d, uint16_t ethertype, const uint8_t* remote_mac, int dir) const;
    // Whether a verdict lets the packet through (a service, or an accepting entry).
    bool passes(const Device& d, uint16_t verdict) const;
    // The verdict as a flow entry caches it: with kPolicyDrops when it drops.
    uint16_t cached(const Device& d, uint16_t verdict) const {
        return d.enforce && !passes(d, verdict) ? verdict | kPolicyDrops : verdict;
    }

private:
    struct Rule {
        uint16_t entry;  // index in the device's policy
        bool accept;
        uint8_t ip_version;
        int32_t ethertype;
        int16_t proto;
        bool any_remote, has_remote_mac;
        uint64_t remote_mac;
        uint32_t hosts_first, hosts_count;        // single addresses in hosts_, sorted
        uint32_t prefixes_first, prefixes_count;  // wider prefixes in prefixes_
        uint32_t device_first, device_count;      // device networks in prefixes_
        PortRange remote_port, device_port;
        uint8_t opener;
        int16_t icmp_type, icmp_code;
    };
    struct Host {
        uint8_t ip_version;
        Addr128 addr;
        bool operator<(const Host& o) const {
            return ip_version != o.ip_version ? ip_version < o.ip_version : addr < o.addr;
        }
        bool operator==(const Host& o) const { return ip_version == o.ip_version && addr == o.addr; }
    };
    struct Prefix {
        uint8_t ip_version;
        Addr128 mask, addr;
    };

    // A TCP / UDP rule naming one remote port, by device, direction, protocol and port.
    struct Exact {
        uint64_t key;
        uint32_t rule;  // in rules_
        bool operator<(const Exact& o) const { return key != o.key ? key < o.key : rule < o.rule; }
    };
    static uint64_t exact_key(size_t device, int dir, int tcp_udp, uint16_t port) {
        return uint64_t{device} << 19 | uint64_t(dir) << 18 | uint64_t(tcp_udp) << 16 | port;
    }
    void index(size_t device, Device& d);
    uint16_t decide_by_port(const Device& d, const FlowKey& key, bool lan_is_a, int dir, uint8_t initiator,
                            const PacketFacts* packet) const;

    bool matches(const Rule& r, const FlowKey& key, bool lan_is_a, uint8_t initiator, const PacketFacts* packet) const;
    bool remote_in(const Rule& r, const Addr128& a, uint8_t v) const;
    bool device_in(const Rule& r, const Addr128& a, uint8_t v) const;
    void add_prefixes(const std::vector<IpPrefix>& in, Rule& r, bool device_side);

    uint32_t version_;
    NetworkServices services_;
    std::vector<Device> devices_;  // sorted by mac
    std::vector<Rule> rules_;
    std::vector<uint32_t> icmp_;        // indices into rules_
    std::vector<uint32_t> candidates_;  // indices into rules_ (Device::wide_first)
    std::vector<Exact> exact_;          // sorted
    std::vector<uint8_t> accept_;       // per entry, in policy order: 1 accepts, 0 drops
    std::vector<Host> hosts_;
    std::vector<Prefix> prefixes_;
};

}  // namespace spin::dp
