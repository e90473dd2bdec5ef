// Decides which end of a packet is the home LAN when the agent cannot tell by
// the port of arrival (monitor mode): LAN prefixes and / or the gateway MAC.
#pragma once

#include <cstdint>
#include <vector>

#include "common/ip_prefix.h"
#include "dataplane/packet_parser.h"

namespace spin::dp {

class LanClassifier {
public:
    LanClassifier() = default;
    LanClassifier(std::vector<IpPrefix> lan_prefixes, const uint8_t* gateway_mac);

    // True when the packet's source is the LAN side of its conversation.
    bool source_is_lan(const ParsedPacket& p) const;
    // True for frames that came from the LAN (for frames without IP).
    bool frame_from_lan(const uint8_t* src_mac, const uint8_t* dst_mac) const;

private:
    bool in_lan(const uint8_t* addr, uint8_t ip_version) const;
    std::vector<IpPrefix> prefixes_;
    bool has_gateway_ = false;
    uint8_t gateway_[6] = {};
};

}  // namespace spin::dp
