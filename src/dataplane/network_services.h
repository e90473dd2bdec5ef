// The home's network services, and the traffic a device held to a policy
// (an allow-list, a MUD profile in enforce mode) always gets to them without
// the policy naming it: docs/security.md has the list and why.
#pragma once

#include <cstdint>
#include <vector>

#include "common/ip_prefix.h"
#include "dataplane/flow_key.h"

namespace spin::dp {

// The home's network services: the only servers a device under an allow
// policy reaches without the policy naming them (docs/security.md).
struct NetworkServices {
    std::vector<IpPrefix> resolvers;     // DNS, port 53 (UDP and TCP)
    std::vector<IpPrefix> dhcp_servers;  // unicast DHCPv4 (68 -> 67) and DHCPv6 (546 -> 547)
};

// What a packet adds to a flow's decision: ICMP errors and neighbour
// discovery are judged per packet, by type and direction.
struct PacketFacts {
    uint8_t icmp_type = 0xff;  // 0xff: none
    bool from_lan = true;
    uint8_t icmp_code = 0;
};

// Whether the flow `key` (lan_is_a: which end is the LAN side) is one of:
//   DHCPv4: LAN port 68 to remote port 67 at the broadcast address or a DHCP server;
//   DHCPv6: LAN port 546 to remote port 547 at ff02::1:2, a link-local address or a DHCP server;
//   DNS: remote port 53 at a resolver;
//   ICMPv6 neighbour discovery and MLD (types 130-136, 141-143, 148, 149, 151-153) with a
//   link-local or link-scope multicast remote (RFC 4890);
//   ICMP / ICMPv6 errors (v4 types 3, 11, 12; v6 types 1-4) from the remote to the device.
// `packet` null: judged for the flow as a whole (ICMP never is).
// `toward_device`: only the direction to the device is judged (MUD
// policies decide each direction apart); then a DHCPv4 server's answer
// (remote port 67 to LAN port 68) passes from any address on the network
// side: the agent learns its servers from their offers, so the first offer
// of a server must reach the device, while what the device sends back to
// an unknown address stays held to the list.
bool is_network_service(const NetworkServices& services, const FlowKey& key, bool lan_is_a, const PacketFacts* packet,
                        bool toward_device = false);

}  // namespace spin::dp
