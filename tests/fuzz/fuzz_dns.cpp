// libFuzzer harness: the slow path's DNS parser on hostile messages (UDP and TCP
// framing) and the mDNS names read from them.
#include <cstddef>
#include <cstdint>

#include "agent/slowpath/dns_message.h"
#include "agent/slowpath/mdns_names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    spin::slowpath::DnsMessage m;
    if (spin::slowpath::parse_dns(data, size, m).empty()) {
        (void)spin::slowpath::dns_bindings(m);
        (void)spin::slowpath::mdns_names(m);
    }
    std::vector<spin::slowpath::DnsMessage> ms;
    (void)spin::slowpath::parse_dns_tcp(data, size, ms);
    return 0;
}
