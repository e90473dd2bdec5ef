// What a device was seen doing with one remote, by shape: the input of a
// learnt profile (mud/learner.h) and of the comparison with its maker's
// (mud/diff.h).  The controller reads them from its store (table
// `behaviours`); here they are plain values.
#pragma once

#include <cstdint>
#include <vector>

#include "common/dns_name.h"
#include "common/ip_prefix.h"
#include "proto/policy.h"

namespace spin::mud {

struct Observation {
    IpPrefix remote;             // a host address
    std::vector<DnsName> names;  // what the device resolved to it
    uint8_t proto = 0;           // IP protocol
    proto::Opener opener = proto::Opener::device;
    uint16_t port = 0;  // the service port (the remote's if the device opened, else the device's);
                        // ICMP: the type of the opener's first message
    uint64_t flows = 0, pkts_out = 0, bytes_out = 0, pkts_in = 0, bytes_in = 0;
    double first = 0, last = 0;

    bool icmp() const { return proto == 1 || proto == 58; }
    bool ported() const { return proto == 6 || proto == 17; }
};

// The answer's ICMP type for an opener's request (echo 8 -> 0, 128 -> 129,
// and the other query / reply pairs); -1 if the type has no fixed answer.
int icmp_reply_type(uint8_t proto, uint8_t type);

// What the agents let through for any device whatever its policy
// (dataplane/network_services.h): DHCP, DHCPv6, DNS, neighbour discovery
// and ICMP errors from the remote.  Not reported as undeclared; all but DNS
// left out of a learnt profile.
bool is_network_service(const Observation& o);

}  // namespace spin::mud
