#include "crc_collisions.h"

#include <array>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>

namespace spin::gen {

namespace {

constexpr uint32_t kOldSeed = 0x5350494e;

// Reflected CRC32C (Castagnoli), no inversion: one step of the SSE4.2 crc32
// instruction per byte, which is how rte_hash_crc consumed the key.
uint32_t crc32c(const uint8_t* p, size_t n, uint32_t crc) {
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return crc;
}

// The fields a flood may choose freely: LAN address bytes 1-3 (10.x.y.z),
// remote address bytes 2-3 (198.18.x.y) and the LAN port (above 32767).
struct FreeBit {
    int field;  // 0 lan_ip[2..3], 1 remote_ip[2..3], 2 lan_port, 3 lan_ip[1]
    int bit;    // 0..15
};

Ipv4Flow base_flow() {
    Ipv4Flow f{{10, 0, 0, 0}, {198, 18, 0, 0}, 0, 443};
    return f;
}

void set_bit(Ipv4Flow& f, const FreeBit& b) {
    const uint16_t mask = static_cast<uint16_t>(1u << b.bit);
    uint16_t v;
    switch (b.field) {
    case 0:
        v = static_cast<uint16_t>((f.lan_ip[2] << 8 | f.lan_ip[3]) ^ mask);
        f.lan_ip[2] = static_cast<uint8_t>(v >> 8), f.lan_ip[3] = static_cast<uint8_t>(v);
        break;
    case 1:
        v = static_cast<uint16_t>((f.remote_ip[2] << 8 | f.remote_ip[3]) ^ mask);
        f.remote_ip[2] = static_cast<uint8_t>(v >> 8), f.remote_ip[3] = static_cast<uint8_t>(v);
        break;
    case 2: f.lan_port ^= mask; break;
    default: f.lan_ip[1] ^= static_cast<uint8_t>(mask);
    }
}

}  // namespace

uint32_t crc_flow_hash(const dp::FlowKey& key) {
    return crc32c(reinterpret_cast<const uint8_t*>(&key), sizeof key, kOldSeed);
}

dp::FlowKey ipv4_flow_key(const uint8_t device_mac[6], const Ipv4Flow& f) {
    dp::ParsedPacket p{};
    p.status = dp::ParseStatus::ok;
    p.ip_version = 4;
    p.proto = 6;
    std::memcpy(p.src, f.lan_ip, 4);
    std::memcpy(p.dst, f.remote_ip, 4);
    p.has_ports = true;
    p.sport = f.lan_port;
    p.dport = f.remote_port;
    static const uint8_t gateway[6] = {0x02, 0x53, 0x50, 0x49, 0x4e, 0xfe};
    p.src_mac = device_mac;
    p.dst_mac = gateway;
    dp::FlowKey k;
    dp::make_flow_key(p, true, k);
    return k;
}

std::vector<Ipv4Flow> crc_colliding_flows(const uint8_t device_mac[6], size_t count) {
    if (count > 65536) throw std::invalid_argument("at most 65536 colliding flows");
    // The linear part of the hash, one column per free bit.  The LAN port's
    // top bit is kept set (ports above 32767) so no flow uses a service port.
    std::vector<FreeBit> bits;
    for (int field = 0; field < 4; ++field)
        for (int bit = 0; bit < (field == 2 ? 15 : field == 3 ? 8 : 16); ++bit) bits.push_back({field, bit});
    Ipv4Flow base = base_flow();
    base.lan_port = 0x8000;
    base.lan_ip[3] = 1;
    const uint32_t h0 = crc_flow_hash(ipv4_flow_key(device_mac, base));
    std::vector<uint32_t> column;
    for (const auto& b : bits) {
        Ipv4Flow f = base;
        set_bit(f, b);
        column.push_back(crc_flow_hash(ipv4_flow_key(device_mac, f)) ^ h0);
    }
    // Gaussian elimination over GF(2): each row is a combination of free bits
    // (a 64-bit set) and its image.  Rows whose image reduces to zero span the
    // kernel: flipping those bits together leaves the hash unchanged.
    std::vector<std::pair<uint32_t, uint64_t>> pivots;  // image with a leading bit, its combination
    std::vector<uint64_t> kernel;
    for (size_t i = 0; i < bits.size(); ++i) {
        uint32_t image = column[i];
        uint64_t combo = uint64_t{1} << i;
        for (const auto& [pimg, pcombo] : pivots)
            if (image & (1u << (31 - __builtin_clz(pimg)))) image ^= pimg, combo ^= pcombo;
        if (image == 0)
            kernel.push_back(combo);
        else
            pivots.emplace_back(image, combo);
    }
    if (count > (size_t{1} << kernel.size())) throw std::runtime_error("kernel too small for that many flows");
    std::vector<Ipv4Flow> out;
    for (size_t n = 0; n < count; ++n) {
        uint64_t combo = 0;
        for (size_t k = 0; k < kernel.size(); ++k)
            if (n >> k & 1) combo ^= kernel[k];
        Ipv4Flow f = base;
        for (size_t i = 0; i < bits.size(); ++i)
            if (combo >> i & 1) set_bit(f, bits[i]);
        out.push_back(f);
    }
    return out;
}

std::vector<Ipv4Flow> random_flows(size_t count, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::set<std::array<uint8_t, 7>> seen;
    std::vector<Ipv4Flow> out;
    while (out.size() < count) {
        const uint64_t r = rng();
        Ipv4Flow f = base_flow();
        f.lan_ip[1] = static_cast<uint8_t>(r >> 56);
        f.lan_ip[2] = static_cast<uint8_t>(r), f.lan_ip[3] = static_cast<uint8_t>(r >> 8);
        f.remote_ip[2] = static_cast<uint8_t>(r >> 16), f.remote_ip[3] = static_cast<uint8_t>(r >> 24);
        f.lan_port = static_cast<uint16_t>(0x8000 | (r >> 32));
        const std::array<uint8_t, 7> id{f.lan_ip[1],
                                        f.lan_ip[2],
                                        f.lan_ip[3],
                                        f.remote_ip[2],
                                        f.remote_ip[3],
                                        static_cast<uint8_t>(f.lan_port >> 8),
                                        static_cast<uint8_t>(f.lan_port)};
        if (seen.insert(id).second) out.push_back(f);
    }
    return out;
}

}  // namespace spin::gen
