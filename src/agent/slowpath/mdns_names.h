// What an mDNS / DNS-SD response (RFC 6762 / 6763) says a device is: the host
// names it claims (A / AAAA owners, SRV targets) and the service instances it
// offers (PTR service type -> instance name).  Built on the DNS parser.
#pragma once

#include <string>
#include <vector>

#include "agent/slowpath/dns_message.h"

namespace spin::slowpath {

struct MdnsService {
    std::string type;      // "_googlecast._tcp.local"
    std::string instance;  // "Living Room TV._googlecast._tcp.local"
    bool operator==(const MdnsService&) const = default;
};

struct MdnsNames {
    std::vector<std::string> hostnames;  // sorted, unique
    std::vector<MdnsService> services;   // in message order, unique
    bool empty() const { return hostnames.empty() && services.empty(); }
};

// Names advertised by a response (answers and additional records); empty for queries.
MdnsNames mdns_names(const DnsMessage& m);

}  // namespace spin::slowpath
