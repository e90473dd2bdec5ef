// The slow path's dataplane half: which frames the control side must see
// (DNS, DHCP, DHCPv6, ARP, ND, mDNS, SSDP, LLDP) and the per-worker queue that
// carries copies of them there.  The original frame is forwarded at once; the
// copy comes from a separate mempool and goes through an SP/SC ring, so a slow
// or stalled control side costs copies (counted), never forwarding.  The one
// exception: a DNS answer to a device whose MUD policy names names is held
// (briefly, bounded) until what it teaches is in force (worker.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "dataplane/packet_parser.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace spin::dp {

// In order of precedence where a packet's two ports name two protocols.
enum class SlowKind : uint8_t { none, dns, mdns, dhcp, dhcpv6, ssdp, arp, nd, lldp };
inline constexpr unsigned kSlowKinds = 9;

const char* to_string(SlowKind k);

// The slow-path protocol a UDP port belongs to, none for most ports.  A
// switch: the compiler makes it a short compare tree, with no table that
// random ephemeral ports would pull into the cache.
inline SlowKind slow_kind_of_udp_port(uint16_t port) {
    switch (port) {
    case 53: return SlowKind::dns;
    case 67:
    case 68: return SlowKind::dhcp;
    case 546:
    case 547: return SlowKind::dhcpv6;
    case 1900: return SlowKind::ssdp;
    case 5353: return SlowKind::mdns;
    default: return SlowKind::none;
    }
}

// The slow-path kind of a TCP or UDP packet between these ports, in either
// order (none for other protocols).  Where both ports name a protocol, the
// lower kind wins.
inline SlowKind slow_kind_of_ports(uint8_t proto, uint16_t port_a, uint16_t port_b) {
    if (proto == 17) {
        const SlowKind a = slow_kind_of_udp_port(port_a), b = slow_kind_of_udp_port(port_b);
        if (a == SlowKind::none) return b;
        return b == SlowKind::none || a < b ? a : b;
    }
    if (proto == 6) return port_a == 53 || port_b == 53 ? SlowKind::dns : SlowKind::none;
    return SlowKind::none;
}

// Decides from the parsed headers alone (no payload read): cheap enough for
// every packet of the burst loop (measured in tools/bench: see
// docs/benchmarks.md).  Where both ports name a protocol, the lower kind wins
// (DNS before mDNS before DHCP...: slow_kind_of_ports).
inline SlowKind classify_slow(const ParsedPacket& p) {
    if (p.status == ParseStatus::ok) [[likely]] {
        if (p.proto == 17 || p.proto == 6)
            return p.has_ports ? slow_kind_of_ports(p.proto, p.sport, p.dport) : SlowKind::none;
        if (p.proto == 58 && p.icmp_type >= 133 && p.icmp_type <= 137 && !p.later_fragment) return SlowKind::nd;
        return SlowKind::none;
    }
    if (p.status == ParseStatus::non_ip) {
        if (p.ethertype == 0x0806) return SlowKind::arp;
        if (p.ethertype == 0x88cc) return SlowKind::lldp;
    }
    return SlowKind::none;
}

// Carried in each copy's private area: what the worker knew of the original.
struct SlowMeta {
    uint64_t time_us;  // packet time (capture time on replay)
    SlowKind kind;
    uint8_t side;     // port of arrival: 0 LAN, 1 WAN
    bool src_is_lan;  // the frame's source MAC is the LAN-side device
    uint8_t worker;
    uint32_t hold_seq = 0;  // the worker holds the original until the control side releases this (0: not held)
};

// RAII mempool for copies, with room for SlowMeta in each mbuf.
class SlowPool {
public:
    SlowPool(const std::string& name, uint32_t mbufs, int socket);
    ~SlowPool();
    SlowPool(const SlowPool&) = delete;
    SlowPool& operator=(const SlowPool&) = delete;
    rte_mempool* get() const { return pool_; }

private:
    rte_mempool* pool_;
};

SlowMeta& slow_meta(rte_mbuf* copy);

// One worker's queue of copies (SP/SC rte_ring of mbuf pointers).
class SlowQueue {
public:
    SlowQueue(const std::string& name, uint32_t size, SlowPool& pool, int socket);
    ~SlowQueue();  // frees copies still queued
    SlowQueue(const SlowQueue&) = delete;
    SlowQueue& operator=(const SlowQueue&) = delete;

    // Worker side: copies `m` and queues the copy.  False when the pool is
    // empty or the ring full (the caller counts it); never waits.
    bool push(const rte_mbuf* m, const SlowMeta& meta);
    // Control side: takes up to n copies; the caller frees them.
    unsigned pop(rte_mbuf** out, unsigned n);
    unsigned count() const;

    // Held originals (docs/mud.md, "The first connection after an answer"):
    // the control side releases every hold up to `seq` once what their
    // copies taught is in force; the worker reads it each poll.
    void release(uint32_t seq) { released_.store(seq, std::memory_order_release); }
    uint32_t released() const { return released_.load(std::memory_order_acquire); }

private:
    rte_ring* ring_;
    rte_mempool* pool_;
    std::atomic<uint32_t> released_{0};
};

}  // namespace spin::dp
