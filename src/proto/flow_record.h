// The flow record: what the agent knows about one flow at one moment.
//
// This struct is the wire format itself (see docs/protocol.md, "Record"):
// workers fill it, rings carry it, the digest publisher copies it verbatim into
// a batch and readers decode it by offset.  Keeping one definition means the
// hot path never converts and third parties decode exactly what we document.
// It depends on nothing so that every layer (dataplane included) may use it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spin::proto {

enum class FlowEvent : uint8_t { start = 1, update = 2, end = 3, blocked = 4 };

enum class EndReason : uint8_t { none = 0, idle = 1, fin = 2, rst = 3, evict = 4, exit = 5 };

enum class Initiator : uint8_t { unknown = 0, lan = 1, remote = 2 };

// TCP flag bits as they appear in the TCP header's flags byte.
namespace tcp_flag {
inline constexpr uint8_t fin = 0x01;
inline constexpr uint8_t syn = 0x02;
inline constexpr uint8_t rst = 0x04;
inline constexpr uint8_t psh = 0x08;
inline constexpr uint8_t ack = 0x10;
inline constexpr uint8_t urg = 0x20;
}  // namespace tcp_flag

inline constexpr uint8_t kNoIcmpType = 0xff;
inline constexpr uint32_t kNoRule = 0;

// mud_out / mud_in besides an entry of the device's policy (its index + 1,
// 1..kMudMaxEntries).
inline constexpr uint16_t kMudNoPolicy = 0;      // the device has no policy
inline constexpr uint16_t kMudService = 0x7ffe;  // a network service the device needs: always passes
inline constexpr uint16_t kMudNoEntry = 0x7fff;  // no entry allows it: a violation
inline constexpr uint16_t kMudMaxEntries = 0x7ffd;

// 128 bytes, little-endian integers, addresses in network byte order.
// IPv4 addresses occupy the first 4 bytes of the 16-byte field, rest zero.
struct FlowRecord {
    uint8_t event;       // FlowEvent
    uint8_t end_reason;  // EndReason (end records only, else none)
    uint8_t proto;       // IP protocol number
    uint8_t ip_version;  // 4 or 6
    uint8_t initiator;   // Initiator
    uint8_t tcp_flags;   // union of TCP flags seen in either direction
    uint8_t icmp_type;   // first ICMP / ICMPv6 type seen, kNoIcmpType if none
    uint8_t worker;      // worker lcore index that owns the flow
    uint16_t vlan;       // outer VLAN id, 0 if untagged
    uint8_t mac[6];      // LAN-side device MAC, all zero if none
    uint8_t lan_ip[16];
    uint8_t remote_ip[16];
    uint16_t lan_port;
    uint16_t remote_port;
    uint32_t rule;      // rule id that dropped frames of this flow, kNoRule if none
    uint64_t first_us;  // first packet, microseconds since the epoch
    uint64_t last_us;   // last packet
    uint64_t pkts_out;  // LAN -> remote
    uint64_t bytes_out;
    uint64_t pkts_in;  // remote -> LAN
    uint64_t bytes_in;
    uint64_t blocked_pkts;
    uint64_t blocked_bytes;
    uint32_t flow_id;  // per-worker table slot; with worker, unique among open flows
    // The device's MUD policy on each direction (dataplane/policy_tables.h):
    // 0 no policy, 1..32765 the entry that decided it, 0x7ffe a network
    // service, 0x7fff no entry (a violation).
    uint16_t mud_out;  // LAN -> remote
    uint16_t mud_in;
};

static_assert(sizeof(FlowRecord) == 128, "FlowRecord is a wire format: 128 bytes");
static_assert(offsetof(FlowRecord, lan_ip) == 16);
static_assert(offsetof(FlowRecord, remote_ip) == 32);
static_assert(offsetof(FlowRecord, lan_port) == 48);
static_assert(offsetof(FlowRecord, rule) == 52);
static_assert(offsetof(FlowRecord, first_us) == 56);
static_assert(offsetof(FlowRecord, blocked_bytes) == 112);
static_assert(offsetof(FlowRecord, flow_id) == 120);
static_assert(offsetof(FlowRecord, mud_out) == 124);

const char* to_string(FlowEvent e);
const char* to_string(EndReason r);
const char* to_string(Initiator i);

}  // namespace spin::proto
