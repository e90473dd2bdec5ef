#include "dataplane/lan_classifier.h"

#include <cstring>

namespace spin::dp {

LanClassifier::LanClassifier(std::vector<IpPrefix> lan_prefixes, const uint8_t* gateway_mac)
    : prefixes_(std::move(lan_prefixes)) {
    if (gateway_mac != nullptr) {
        has_gateway_ = true;
        std::memcpy(gateway_, gateway_mac, 6);
    }
}

bool LanClassifier::in_lan(const uint8_t* addr, uint8_t ip_version) const {
    for (const auto& p : prefixes_)
        if (p.contains(addr, ip_version)) return true;
    return false;
}

bool LanClassifier::frame_from_lan(const uint8_t* src_mac, const uint8_t* dst_mac) const {
    if (has_gateway_) {
        if (std::memcmp(src_mac, gateway_, 6) == 0) return false;
        if (std::memcmp(dst_mac, gateway_, 6) == 0) return true;
    }
    return true;
}

bool LanClassifier::source_is_lan(const ParsedPacket& p) const {
    if (has_gateway_) {
        if (std::memcmp(p.src_mac, gateway_, 6) == 0) return false;
        if (std::memcmp(p.dst_mac, gateway_, 6) == 0) return true;
    }
    if (!prefixes_.empty()) {
        const bool src_lan = in_lan(p.src, p.ip_version);
        const bool dst_lan = in_lan(p.dst, p.ip_version);
        if (src_lan != dst_lan) return src_lan;
    }
    return true;  // both or neither inside: the sender is taken as the LAN side
}

}  // namespace spin::dp
