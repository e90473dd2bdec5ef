// libFuzzer harness: the slow path's ARP and neighbour-discovery parsers.
#include <cstddef>
#include <cstdint>

#include "agent/slowpath/neighbour_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::slowpath::ArpMessage arp;
    if (spin::slowpath::parse_arp(data, size, arp).empty()) (void)spin::slowpath::arp_bindings(arp);
    spin::slowpath::NdMessage nd;
    const uint8_t source[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (spin::slowpath::parse_nd(data, size, nd).empty()) (void)spin::slowpath::nd_bindings(nd, source);
    return 0;
}
