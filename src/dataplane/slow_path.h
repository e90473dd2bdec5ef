// The slow path's dataplane half: which frames the control side must see
// (DNS, DHCP, DHCPv6, ARP, ND, mDNS, SSDP, LLDP) and the per-worker queue that
// carries copies of them there.  The original frame is forwarded at once; the
// copy comes from a separate mempool and goes through an SP/SC ring, so a slow
// or stalled control side costs copies (counted), never forwarding.
#pragma once

#include <cstdint>
#include <string>

#include "dataplane/packet_parser.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace spin::dp {

enum class SlowKind : uint8_t { none, dns, dhcp, dhcpv6, arp, nd, mdns, ssdp, lldp };
inline constexpr unsigned kSlowKinds = 9;

const char* to_string(SlowKind k);

// Decides from the parsed headers alone (no payload read): cheap enough for
// every packet of the burst loop.
inline SlowKind classify_slow(const ParsedPacket& p) {
    if (p.status == ParseStatus::non_ip) {
        if (p.ethertype == 0x0806) return SlowKind::arp;
        if (p.ethertype == 0x88cc) return SlowKind::lldp;
        return SlowKind::none;
    }
    if (p.status != ParseStatus::ok || p.later_fragment) return SlowKind::none;
    if (p.proto == 17 && p.has_ports) {
        const auto either = [&](uint16_t port) { return p.sport == port || p.dport == port; };
        if (either(53)) return SlowKind::dns;
        if (either(5353)) return SlowKind::mdns;
        if (either(67) || either(68)) return SlowKind::dhcp;
        if (either(546) || either(547)) return SlowKind::dhcpv6;
        if (either(1900)) return SlowKind::ssdp;
        return SlowKind::none;
    }
    if (p.proto == 6 && p.has_ports && (p.sport == 53 || p.dport == 53)) return SlowKind::dns;
    if (p.proto == 58 && p.icmp_type >= 133 && p.icmp_type <= 137) return SlowKind::nd;
    return SlowKind::none;
}

// Carried in each copy's private area: what the worker knew of the original.
struct SlowMeta {
    uint64_t time_us;    // packet time (capture time on replay)
    SlowKind kind;
    uint8_t side;        // port of arrival: 0 LAN, 1 WAN
    bool src_is_lan;     // the frame's source MAC is the LAN-side device
    uint8_t worker;
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

private:
    rte_ring* ring_;
    rte_mempool* pool_;
};

}  // namespace spin::dp
