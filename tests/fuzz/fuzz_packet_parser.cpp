// libFuzzer harness: the worker's header parser on arbitrary frames, plus the
// flow key built from whatever it accepted, and the fast path checked
// against the full parser (a differential oracle).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "dataplane/flow_hash.h"
#include "dataplane/flow_key.h"
#include "dataplane/packet_parser.h"

namespace {

// parse_fast must agree with parse_packet, field for field, on every frame it takes.
void check_fast_path(const uint8_t* data, uint32_t size, const spin::dp::ParsedPacket& full) {
    spin::dp::ParsedPacket fast;
    if (!spin::dp::parse_fast(data, size, fast)) return;
    const bool same =
        fast.status == full.status && fast.vlan_depth == full.vlan_depth && fast.vlan == full.vlan &&
        fast.ethertype == full.ethertype && fast.ip_version == full.ip_version && fast.proto == full.proto &&
        fast.tcp_flags == full.tcp_flags && fast.icmp_type == full.icmp_type && fast.icmp_code == full.icmp_code &&
        fast.has_ports == full.has_ports && fast.fragment == full.fragment &&
        fast.later_fragment == full.later_fragment && fast.sport == full.sport && fast.dport == full.dport &&
        fast.tcp_seq == full.tcp_seq && fast.l3_offset == full.l3_offset && fast.l4_offset == full.l4_offset &&
        fast.dst_mac == full.dst_mac && fast.src_mac == full.src_mac && std::memcmp(fast.src, full.src, 16) == 0 &&
        std::memcmp(fast.dst, full.dst, 16) == 0;
    if (!same) __builtin_trap();
    // ... and the key read straight from the frame is make_flow_key's, either side.
    for (const bool src_is_lan : {false, true}) {
        spin::dp::FlowKey slow{}, quick{};
        const bool a = spin::dp::make_flow_key(full, src_is_lan, slow);
        const bool b = spin::dp::fast_flow_key(data, spin::dp::fast_headers(data, size), src_is_lan, quick);
        if (a != b || !(slow == quick)) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::dp::ParsedPacket p;
    const spin::dp::ParseStatus status = spin::dp::parse_packet(data, static_cast<uint32_t>(size), p);
    check_fast_path(data, static_cast<uint32_t>(size), p);
    if (status == spin::dp::ParseStatus::ok) {
        spin::dp::FlowKey key;
        spin::dp::make_flow_key(p, size % 2 == 0, key);
        if (p.l4_offset > size || p.l3_offset > size) __builtin_trap();
        static const spin::dp::FlowHasher hasher = spin::dp::FlowHasher::from_entropy();
        (void)hasher(key);
    }
    return 0;
}
