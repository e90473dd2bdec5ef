#include "dns_flood.h"

#include <string>
#include <vector>

namespace spin::gen {

Mac dns_flood_device(uint32_t d) { return Mac{{0x02, 0x53, 0x50, 0x49, 0x4e, static_cast<uint8_t>(0x10 + d)}}; }

void dns_flood(uint32_t devices, uint64_t answers, uint32_t records, uint64_t start_us,
               const std::function<void(const FloodFrame&)>& out) {
    const Mac gateway{{0x02, 0x53, 0x50, 0x49, 0x4e, 0xfe}};
    const Ip resolver = Ip::v4("192.0.2.53");
    uint64_t t = start_us, next_address = 0;
    for (uint64_t i = 0; i < answers; ++i) {
        const auto d = static_cast<uint32_t>(i % devices);
        const Mac dev = dns_flood_device(d);
        Ip ip = Ip::v4("10.0.0.0");
        ip.b[3] = static_cast<uint8_t>(10 + d);
        const auto port = static_cast<uint16_t>(40000 + i % 20000);
        const auto id = static_cast<uint16_t>(i);
        const std::string name = "h" + std::to_string(i) + ".flood.test";
        std::vector<Ip> addrs(records, Ip::v4("198.18.0.0"));
        for (Ip& a : addrs) {  // 198.18.0.0/15, then the /15s below it: a new address each
            const uint64_t n = next_address++;
            a.b[0] = static_cast<uint8_t>(198 - (n >> 17) % 64);
            a.b[1] = static_cast<uint8_t>(18 + (n >> 16) % 2);
            a.b[2] = static_cast<uint8_t>(n >> 8);
            a.b[3] = static_cast<uint8_t>(n);
        }
        const Bytes query = ethernet({dev, gateway, {}}, 0x0800,
                                     ip_packet(ip, resolver, 17, udp(ip, resolver, port, 53, dns_query(id, name, 1))));
        out({t, false, query});
        t += 10;
        const Bytes answer =
            ethernet({gateway, dev, {}}, 0x0800,
                     ip_packet(resolver, ip, 17, udp(resolver, ip, 53, port, dns_answer(id, name, 1, addrs, 300))));
        out({t, true, answer});
        t += 10;
    }
}

}  // namespace spin::gen
