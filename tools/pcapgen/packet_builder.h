// Builds well-formed Ethernet frames (with correct IP / TCP / UDP checksums)
// for the capture generator.  Test traffic only: never sent on a network.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spin::gen {

using Bytes = std::vector<uint8_t>;

struct Mac {
    uint8_t b[6];
};

struct Ip {
    int version = 4;
    uint8_t b[16] = {};
    static Ip v4(const char* text);
    static Ip v6(const char* text);
};

struct L2 {
    Mac src, dst;
    std::vector<uint16_t> vlans;  // outer first; 0x8100 tags (0x88a8 for the outer of two)
};

Bytes ethernet(const L2& l2, uint16_t ethertype, const Bytes& payload);
// IPv4 or IPv6 packet around a transport payload (checksum filled for TCP / UDP / ICMPv6).
Bytes ip_packet(const Ip& src, const Ip& dst, uint8_t proto, const Bytes& l4, uint8_t ttl = 64);
Bytes udp(const Ip& src, const Ip& dst, uint16_t sport, uint16_t dport, const Bytes& payload);
Bytes tcp(const Ip& src, const Ip& dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
          const Bytes& payload);
Bytes icmp_echo(bool v6, const Ip& src, const Ip& dst, bool reply, uint16_t id, uint16_t seq);

// Application payloads.
Bytes dns_query(uint16_t id, const std::string& name, uint16_t qtype);
Bytes dns_answer(uint16_t id, const std::string& name, uint16_t qtype, const Ip& addr, uint32_t ttl);
Bytes dns_answer(uint16_t id, const std::string& name, uint16_t qtype, const std::vector<Ip>& addrs, uint32_t ttl);
struct DhcpOptions {
    uint8_t type;              // 1 discover, 2 offer, 3 request, 5 ack
    std::string hostname;      // option 12
    std::string vendor_class;  // option 60
    std::vector<uint8_t> prl;  // option 55
    std::string mud_url;       // option 161
    Ip yiaddr, server;
    std::vector<Ip> dns_servers;  // option 6 of replies (default: the server)
};
Bytes dhcp(const Mac& client, uint32_t xid, bool reply, const DhcpOptions& o);
Bytes arp(bool reply, const Mac& sha, const Ip& spa, const Mac& tha, const Ip& tpa);

}  // namespace spin::gen
