// libFuzzer harness: the slow path's DHCPv6, LLDP and SSDP parsers.
#include <cstddef>
#include <cstdint>

#include "agent/slowpath/dhcpv6_message.h"
#include "agent/slowpath/lldp_message.h"
#include "agent/slowpath/ssdp_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::slowpath::Dhcpv6Message v6;
    (void)spin::slowpath::parse_dhcpv6(data, size, v6);
    spin::slowpath::LldpMessage lldp;
    (void)spin::slowpath::parse_lldp(data, size, lldp);
    spin::slowpath::SsdpMessage ssdp;
    (void)spin::slowpath::parse_ssdp(data, size, ssdp);
    return 0;
}
