#include "nmf/store/open_flows.h"

#include <cstring>

namespace spin::nmf {

std::array<uint8_t, kFlowKeyBytes> flow_key(const FlowTuple& t) {
    std::array<uint8_t, kFlowKeyBytes> k{};
    for (int i = 0; i < 6; ++i) k[i] = static_cast<uint8_t>(t.mac >> (8 * (5 - i)));
    std::memcpy(&k[6], t.lan_ip.data(), 16);
    std::memcpy(&k[22], t.remote_ip.data(), 16);
    k[38] = static_cast<uint8_t>(t.lan_port >> 8), k[39] = static_cast<uint8_t>(t.lan_port);
    k[40] = static_cast<uint8_t>(t.remote_port >> 8), k[41] = static_cast<uint8_t>(t.remote_port);
    k[42] = t.proto, k[43] = t.ip_version;
    return k;
}

std::optional<FlowTuple> flow_tuple(std::span<const uint8_t> k) {
    if (k.size() != kFlowKeyBytes || (k[43] != 4 && k[43] != 6)) return std::nullopt;
    FlowTuple t;
    for (int i = 0; i < 6; ++i) t.mac = t.mac << 8 | k[i];
    std::memcpy(t.lan_ip.data(), &k[6], 16);
    std::memcpy(t.remote_ip.data(), &k[22], 16);
    t.lan_port = static_cast<uint16_t>(k[38] << 8 | k[39]);
    t.remote_port = static_cast<uint16_t>(k[40] << 8 | k[41]);
    t.proto = k[42], t.ip_version = k[43];
    return t;
}

}  // namespace spin::nmf
