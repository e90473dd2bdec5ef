// libFuzzer harness: the slow path's DHCPv4 parser on hostile messages.
#include <cstddef>
#include <cstdint>

#include "agent/slowpath/dhcp_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::slowpath::DhcpMessage m;
    if (spin::slowpath::parse_dhcp(data, size, m).empty()) (void)m.fingerprint();
    return 0;
}
