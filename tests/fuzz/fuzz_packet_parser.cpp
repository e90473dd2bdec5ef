// libFuzzer harness: the worker's header parser on arbitrary frames, plus the
// flow key built from whatever it accepted.
#include <cstddef>
#include <cstdint>

#include "dataplane/flow_hash.h"
#include "dataplane/flow_key.h"
#include "dataplane/packet_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::dp::ParsedPacket p;
    if (spin::dp::parse_packet(data, static_cast<uint32_t>(size), p) == spin::dp::ParseStatus::ok) {
        spin::dp::FlowKey key;
        spin::dp::make_flow_key(p, size % 2 == 0, key);
        if (p.l4_offset > size || p.l3_offset > size) __builtin_trap();
        static const spin::dp::FlowHasher hasher = spin::dp::FlowHasher::from_entropy();
        (void)hasher(key);
    }
    return 0;
}
