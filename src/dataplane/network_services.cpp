#include "dataplane/network_services.h"

#include <cstring>

namespace spin::dp {

namespace {

bool listed(const std::vector<IpPrefix>& list, const uint8_t* addr, uint8_t ip_version) {
    for (const auto& p : list)
        if (p.contains(addr, ip_version)) return true;
    return false;
}

}  // namespace

bool is_network_service(const NetworkServices& services, const FlowKey& key, bool lan_is_a, const PacketFacts* packet,
                        bool toward_device) {
    const uint8_t* remote = lan_is_a ? key.addr_b : key.addr_a;
    const uint16_t lan_port = lan_is_a ? key.port_a : key.port_b;
    const uint16_t remote_port = lan_is_a ? key.port_b : key.port_a;
    const bool v6 = key.ip_version == 6;
    const bool link_local = v6 && remote[0] == 0xfe && (remote[1] & 0xc0) == 0x80;
    const bool link_multicast = v6 && remote[0] == 0xff && (remote[1] & 0x0f) == 0x02;
    if (key.proto == 17 && !v6 && lan_port == 68 && remote_port == 67) {
        static const uint8_t broadcast[4] = {255, 255, 255, 255};
        if (toward_device) return true;
        return std::memcmp(remote, broadcast, 4) == 0 || listed(services.dhcp_servers, remote, 4);
    }
    if (key.proto == 17 && v6 && lan_port == 546 && remote_port == 547) {
        static const uint8_t all_servers[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2};
        return std::memcmp(remote, all_servers, 16) == 0 || link_local || listed(services.dhcp_servers, remote, 6);
    }
    if ((key.proto == 17 || key.proto == 6) && remote_port == 53)
        return listed(services.resolvers, remote, key.ip_version);
    if (packet == nullptr || packet->icmp_type == 0xff) return false;
    const uint8_t t = packet->icmp_type;
    if (key.proto == 58) {
        // RFC 4890 4.4.1: on-link configuration the network needs, never routed.
        const bool on_link =
            (t >= 130 && t <= 136) || (t >= 141 && t <= 143) || t == 148 || t == 149 || (t >= 151 && t <= 153);
        if (on_link) return link_local || link_multicast;
        // RFC 4890 4.3.1 errors (path MTU, unreachable): what the path says
        // back to the device.  Echo is not among them here: it is traffic.
        return !packet->from_lan && t >= 1 && t <= 4;
    }
    if (key.proto == 1) return !packet->from_lan && (t == 3 || t == 11 || t == 12);
    return false;
}

}  // namespace spin::dp
