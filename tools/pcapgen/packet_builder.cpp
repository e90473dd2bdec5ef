#include "packet_builder.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

namespace spin::gen {

namespace {

void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
    put16(b, static_cast<uint16_t>(v >> 16));
    put16(b, static_cast<uint16_t>(v));
}
void append(Bytes& b, const void* p, size_t n) {
    const auto* c = static_cast<const uint8_t*>(p);
    b.insert(b.end(), c, c + n);
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t{p[i]} << 8 | p[i + 1];
    if (n & 1) acc += uint32_t{p[n - 1]} << 8;
    return acc;
}
uint16_t fold(uint32_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<uint16_t>(~acc);
}

uint16_t l4_checksum(const Ip& s, const Ip& d, uint8_t proto, const Bytes& l4) {
    const size_t alen = s.version == 6 ? 16 : 4;
    uint32_t acc = sum16(s.b, alen);
    acc = sum16(d.b, alen, acc);
    acc += proto;
    acc += static_cast<uint32_t>(l4.size() & 0xffff) + static_cast<uint32_t>(l4.size() >> 16);
    acc = sum16(l4.data(), l4.size(), acc);
    uint16_t c = fold(acc);
    return c == 0 && proto == 17 ? 0xffff : c;
}

void put_name(Bytes& b, const std::string& name) {
    size_t start = 0;
    while (start < name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string::npos) dot = name.size();
        b.push_back(static_cast<uint8_t>(dot - start));
        append(b, name.data() + start, dot - start);
        start = dot + 1;
    }
    b.push_back(0);
}

}  // namespace

Ip Ip::v4(const char* t) {
    Ip ip;
    ip.version = 4;
    if (inet_pton(AF_INET, t, ip.b) != 1) throw std::invalid_argument(t);
    return ip;
}
Ip Ip::v6(const char* t) {
    Ip ip;
    ip.version = 6;
    if (inet_pton(AF_INET6, t, ip.b) != 1) throw std::invalid_argument(t);
    return ip;
}

Bytes ethernet(const L2& l2, uint16_t ethertype, const Bytes& payload) {
    Bytes b;
    append(b, l2.dst.b, 6);
    append(b, l2.src.b, 6);
    for (size_t i = 0; i < l2.vlans.size(); ++i) {
        put16(b, l2.vlans.size() > 1 && i == 0 ? 0x88a8 : 0x8100);
        put16(b, l2.vlans[i]);
    }
    put16(b, ethertype);
    b.insert(b.end(), payload.begin(), payload.end());
    while (b.size() < 60) b.push_back(0);  // Ethernet minimum, without FCS
    return b;
}

Bytes ip_packet(const Ip& s, const Ip& d, uint8_t proto, const Bytes& l4, uint8_t ttl) {
    Bytes b;
    if (s.version == 4) {
        b = {0x45, 0};
        put16(b, static_cast<uint16_t>(20 + l4.size()));
        put16(b, 0x1234);  // id
        put16(b, 0x4000);  // don't fragment
        b.push_back(ttl);
        b.push_back(proto);
        put16(b, 0);
        append(b, s.b, 4);
        append(b, d.b, 4);
        const uint16_t c = fold(sum16(b.data(), 20));
        b[10] = static_cast<uint8_t>(c >> 8);
        b[11] = static_cast<uint8_t>(c);
    } else {
        b = {0x60, 0, 0, 0};
        put16(b, static_cast<uint16_t>(l4.size()));
        b.push_back(proto);
        b.push_back(ttl);
        append(b, s.b, 16);
        append(b, d.b, 16);
    }
    b.insert(b.end(), l4.begin(), l4.end());
    return b;
}

Bytes udp(const Ip& s, const Ip& d, uint16_t sport, uint16_t dport, const Bytes& payload) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put16(b, static_cast<uint16_t>(8 + payload.size()));
    put16(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    const uint16_t c = l4_checksum(s, d, 17, b);
    b[6] = static_cast<uint8_t>(c >> 8);
    b[7] = static_cast<uint8_t>(c);
    return b;
}

Bytes tcp(const Ip& s, const Ip& d, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
          const Bytes& payload) {
    Bytes b;
    put16(b, sport);
    put16(b, dport);
    put32(b, seq);
    put32(b, ack);
    b.push_back(0x50);
    b.push_back(flags);
    put16(b, 64240);
    put16(b, 0);
    put16(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    const uint16_t c = l4_checksum(s, d, 6, b);
    b[16] = static_cast<uint8_t>(c >> 8);
    b[17] = static_cast<uint8_t>(c);
    return b;
}

Bytes icmp_echo(bool v6, const Ip& s, const Ip& d, bool reply, uint16_t id, uint16_t seq) {
    Bytes b{static_cast<uint8_t>(v6 ? (reply ? 129 : 128) : (reply ? 0 : 8)), 0, 0, 0};
    put16(b, id);
    put16(b, seq);
    for (int i = 0; i < 32; ++i) b.push_back(static_cast<uint8_t>('a' + i % 26));
    const uint16_t c = v6 ? l4_checksum(s, d, 58, b) : fold(sum16(b.data(), b.size()));
    b[2] = static_cast<uint8_t>(c >> 8);
    b[3] = static_cast<uint8_t>(c);
    return b;
}

Bytes dns_query(uint16_t id, const std::string& name, uint16_t qtype) {
    Bytes b;
    put16(b, id);
    put16(b, 0x0100);  // recursion desired
    put16(b, 1);
    put16(b, 0);
    put16(b, 0);
    put16(b, 0);
    put_name(b, name);
    put16(b, qtype);
    put16(b, 1);
    return b;
}

Bytes dns_answer(uint16_t id, const std::string& name, uint16_t qtype, const Ip& addr, uint32_t ttl) {
    return dns_answer(id, name, qtype, std::vector<Ip>{addr}, ttl);
}

Bytes dns_answer(uint16_t id, const std::string& name, uint16_t qtype, const std::vector<Ip>& addrs, uint32_t ttl) {
    Bytes b;
    put16(b, id);
    put16(b, 0x8180);
    put16(b, 1);
    put16(b, static_cast<uint16_t>(addrs.size()));
    put16(b, 0);
    put16(b, 0);
    put_name(b, name);
    put16(b, qtype);
    put16(b, 1);
    for (const Ip& addr : addrs) {
        put16(b, 0xc00c);  // pointer to the question name
        put16(b, qtype);
        put16(b, 1);
        put32(b, ttl);
        const size_t alen = addr.version == 6 ? 16 : 4;
        put16(b, static_cast<uint16_t>(alen));
        append(b, addr.b, alen);
    }
    return b;
}

Bytes dhcp(const Mac& client, uint32_t xid, bool reply, const DhcpOptions& o) {
    Bytes b{static_cast<uint8_t>(reply ? 2 : 1), 1, 6, 0};
    put32(b, xid);
    put16(b, 0);
    put16(b, 0x8000);  // broadcast
    Bytes zero4(4, 0);
    b.insert(b.end(), zero4.begin(), zero4.end());  // ciaddr
    if (reply)
        append(b, o.yiaddr.b, 4);
    else
        b.insert(b.end(), zero4.begin(), zero4.end());
    if (reply)
        append(b, o.server.b, 4);
    else
        b.insert(b.end(), zero4.begin(), zero4.end());
    b.insert(b.end(), zero4.begin(), zero4.end());  // giaddr
    append(b, client.b, 6);
    b.resize(b.size() + 10 + 64 + 128, 0);  // chaddr pad, sname, file
    put32(b, 0x63825363);
    b.insert(b.end(), {53, 1, o.type});
    if (!reply) {
        b.insert(b.end(), {61, 7, 1});
        append(b, client.b, 6);
    }
    auto opt = [&](uint8_t code, const std::string& v) {
        if (v.empty()) return;
        b.push_back(code);
        b.push_back(static_cast<uint8_t>(v.size()));
        append(b, v.data(), v.size());
    };
    opt(12, o.hostname);
    opt(60, o.vendor_class);
    if (!o.prl.empty()) {
        b.push_back(55);
        b.push_back(static_cast<uint8_t>(o.prl.size()));
        b.insert(b.end(), o.prl.begin(), o.prl.end());
    }
    opt(161, o.mud_url);
    if (reply) {
        b.insert(b.end(), {54, 4});
        append(b, o.server.b, 4);
        b.insert(b.end(), {51, 4, 0, 0, 0x0e, 0x10});
        b.insert(b.end(), {1, 4, 255, 255, 255, 0});
        b.insert(b.end(), {3, 4});
        append(b, o.server.b, 4);
        if (o.dns_servers.empty()) {
            b.insert(b.end(), {6, 4});
            append(b, o.server.b, 4);
        } else {
            b.push_back(6);
            b.push_back(static_cast<uint8_t>(4 * o.dns_servers.size()));
            for (const auto& d : o.dns_servers) append(b, d.b, 4);
        }
    } else if (o.type == 3) {
        b.insert(b.end(), {50, 4});
        append(b, o.yiaddr.b, 4);
    }
    b.push_back(255);
    while (b.size() < 300) b.push_back(0);
    return b;
}

Bytes arp(bool reply, const Mac& sha, const Ip& spa, const Mac& tha, const Ip& tpa) {
    Bytes b;
    put16(b, 1);
    put16(b, 0x0800);
    b.push_back(6);
    b.push_back(4);
    put16(b, reply ? 2 : 1);
    append(b, sha.b, 6);
    append(b, spa.b, 4);
    append(b, tha.b, 6);
    append(b, tpa.b, 4);
    return b;
}

}  // namespace spin::gen
