#include "bench_flows.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

namespace spin::gen {

FlowOrder parse_flow_order(const std::string& name) {
    if (name == "sequential") return FlowOrder::sequential;
    if (name == "random") return FlowOrder::random;
    if (name == "zipf") return FlowOrder::zipf;
    throw std::invalid_argument("flow order must be sequential, random or zipf, not '" + name + "'");
}

const char* to_string(FlowOrder order) {
    switch (order) {
    case FlowOrder::sequential: return "sequential";
    case FlowOrder::random: return "random";
    case FlowOrder::zipf: return "zipf";
    }
    return "?";
}

Mac flow_device() { return Mac{{0x02, 0x53, 0x50, 0x49, 0x4e, 0x21}}; }

Bytes flow_frame(uint64_t i, uint32_t round, const FlowShape& shape, bool reply) {
    static const Mac gateway{{0x02, 0x53, 0x50, 0x49, 0x4e, 0xfe}};
    // Sizes of the mix by position: the 64-byte frame's 18 bytes of UDP
    // payload, 530 (576-byte frames) and 1430 (1478).
    static const size_t mix_payloads[] = {18, 18, 18, 18, 18, 18, 18, 530, 530, 1430, 1430, 18};
    Ip dev, remote;
    if (shape.ipv6) {
        dev = Ip::v6("2001:db8::");
        remote = Ip::v6("2001:db8:ffff::");
        for (int k = 0; k < 4; ++k) dev.b[12 + k] = static_cast<uint8_t>(i >> (24 - 8 * k));
        remote.b[15] = static_cast<uint8_t>(i);
        remote.b[14] = static_cast<uint8_t>(i >> 4);
    } else {
        dev = Ip::v4("10.0.0.0");
        dev.b[1] = static_cast<uint8_t>(i >> 24);
        dev.b[2] = static_cast<uint8_t>(i >> 16);
        dev.b[3] = static_cast<uint8_t>(i >> 8);
        remote = Ip::v4("198.18.0.0");
        remote.b[2] = static_cast<uint8_t>(i);
        remote.b[3] = static_cast<uint8_t>(i >> 4);
    }
    const uint16_t port = static_cast<uint16_t>(1024 + (i & 0x3fff));
    size_t payload = shape.mix ? mix_payloads[(i + round) % 12] : 18;
    if (shape.ipv6) payload = payload > 20 ? payload - 20 : 0;  // the IPv6 header is 20 bytes longer
    if (shape.vlan != 0) payload = payload > 4 ? payload - 4 : 0;
    const bool udp_flow = i & 1;
    const Ip& src = reply ? remote : dev;
    const Ip& dst = reply ? dev : remote;
    const uint16_t sport = reply ? 443 : port, dport = reply ? port : 443;
    const uint8_t fill = reply ? 0x56 : 0x55;
    const Bytes l4 = udp_flow ? udp(src, dst, sport, dport, Bytes(payload, fill))
                              : tcp(src, dst, sport, dport, reply ? 1 : 1 + round, reply ? 2 + round : 1, 0x10,
                                    Bytes(payload > 6 ? payload - 6 : 0, fill));
    L2 l2{reply ? gateway : flow_device(), reply ? flow_device() : gateway, {}};
    if (shape.vlan != 0) l2.vlans.push_back(shape.vlan);
    return ethernet(l2, shape.ipv6 ? 0x86dd : 0x0800, ip_packet(src, dst, udp_flow ? 17 : 6, l4));
}

std::vector<uint32_t> flow_sequence(FlowOrder order, uint32_t flows, uint64_t length, uint64_t seed) {
    if (flows == 0) throw std::invalid_argument("flow_sequence: no flows");
    std::vector<uint32_t> out;
    out.reserve(length);
    std::mt19937_64 rng(seed);
    if (order == FlowOrder::sequential) {
        for (uint64_t i = 0; i < length; ++i) out.push_back(static_cast<uint32_t>(i % flows));
        return out;
    }
    std::vector<uint32_t> perm(flows);
    std::iota(perm.begin(), perm.end(), 0u);
    std::shuffle(perm.begin(), perm.end(), rng);
    if (order == FlowOrder::random) {
        while (out.size() < length) {
            const uint64_t take = std::min<uint64_t>(flows, length - out.size());
            out.insert(out.end(), perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(take));
            std::shuffle(perm.begin(), perm.end(), rng);
        }
        return out;
    }
    // Zipf by inverse transform over the cumulative weights 1/k; rank k goes
    // to flow perm[k], so popular flows lie anywhere in memory.
    std::vector<double> cumulative(flows);
    double sum = 0;
    for (uint32_t k = 0; k < flows; ++k) cumulative[k] = sum += 1.0 / (k + 1.0);
    std::uniform_real_distribution<double> u(0, sum);
    for (uint64_t i = 0; i < length; ++i) {
        const auto it = std::lower_bound(cumulative.begin(), cumulative.end(), u(rng));
        const auto rank = static_cast<uint32_t>(std::min<std::ptrdiff_t>(it - cumulative.begin(), flows - 1));
        out.push_back(perm[rank]);
    }
    return out;
}

}  // namespace spin::gen
