// spin-pcapgen: generates test and demo captures.
//
//   spin-pcapgen home --out DIR        a small home network (several devices, DHCP,
//                                      DNS, TCP and UDP, IPv4 and IPv6, ARP, VLAN,
//                                      QinQ, ICMP, an unknown ethertype), written as
//                                      DIR/home.pcap and split into DIR/home-lan.pcap
//                                      (frames from devices) and DIR/home-wan.pcap
//                                      (frames from the gateway)
//   spin-pcapgen flows --flows N --out-lan F --out-wan F [--packets P] [--size 64|mix]
//                      [--order sequential|random|zipf] [--ipv6] [--vlan ID]
//                                      N distinct UDP/TCP flows for benchmarks
//   spin-pcapgen discovery --out F    DHCPv6 (solicit, advertise, request, reply, a relayed
//                                      solicit) and LLDP frames carrying MUD URLs
//   spin-pcapgen garbage --count N --out F [--seed S]
//                                      random, truncated and malformed frames
//   spin-pcapgen flood --flows N --out-lan F [--packets P] [--random]
//                                      a hash-flooding device: N TCP flows whose keys share
//                                      one hash under the flow index's former CRC32C
//                                      (crc_collisions.h), or with --random N random flows
//                                      of the same shape; P packets per flow, round-robin
//   spin-pcapgen dns-flood --devices D --answers N --records R --out-lan F --out-wan F
//                                      a DNS-answer flood: N queries for distinct names under
//                                      flood.test from D devices (round-robin) to a resolver on
//                                      the internet, each answered with R A records of new
//                                      addresses (TTL 300), every frame 10 us apart
//   spin-pcapgen attack --out DIR [--phases mirai,syn_flood,...] [--seed S] [--benign S]
//                       [--phase-seconds S] [--gap S] [--scan-rate R] [--flood-rate R] [--dns-rate R]
//                                      a home whose camera turns bot (attack_capture.h):
//                                      DIR/attack.pcap, its -lan / -wan halves and
//                                      DIR/attack-truth.json (the ground truth)
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <boost/program_options.hpp>

#include "attack_capture.h"
#include "bench_flows.h"
#include "crc_collisions.h"
#include "dns_flood.h"
#include "packet_builder.h"
#include "pcap_writer.h"

namespace po = boost::program_options;
using namespace spin::gen;

namespace {

constexpr uint64_t kStart = 1'767'225'600'000'000ull;  // 2026-01-01T00:00:00Z

Mac mac(uint8_t last) { return Mac{{0x02, 0x53, 0x50, 0x49, 0x4e, last}}; }  // locally administered
const Mac kGateway = mac(0xfe);
const Mac kBroadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// Writes every frame to the combined capture and to the LAN or WAN half by
// its source MAC (frames from the gateway come from the WAN side).
class HomeCapture {
public:
    explicit HomeCapture(const std::string& dir)
        : all_(dir + "/home.pcap"), lan_(dir + "/home-lan.pcap"), wan_(dir + "/home-wan.pcap") {}

    void frame(const L2& l2, uint16_t ethertype, const Bytes& payload) {
        const Bytes f = ethernet(l2, ethertype, payload);
        now_ += 997;  // ~1 ms apart, deterministic
        all_.write(now_, f);
        (std::memcmp(l2.src.b, kGateway.b, 6) == 0 ? wan_ : lan_).write(now_, f);
    }
    void ip(const L2& l2, const Ip& s, const Ip& d, uint8_t proto, const Bytes& l4) {
        frame(l2, s.version == 6 ? 0x86dd : 0x0800, ip_packet(s, d, proto, l4));
    }
    void advance(uint64_t us) { now_ += us; }

    // A full TCP connection: handshake, request / response segments, FIN close.
    void tcp_session(const L2& out, const L2& in, const Ip& c, uint16_t cport, const Ip& s, uint16_t sport,
                     int exchanges, size_t req, size_t resp) {
        uint32_t cs = 1000 + cport, ss = 500000 + sport;
        ip(out, c, s, 6, tcp(c, s, cport, sport, cs, 0, 0x02, {}));
        ip(in, s, c, 6, tcp(s, c, sport, cport, ss, cs + 1, 0x12, {}));
        ++cs, ++ss;
        ip(out, c, s, 6, tcp(c, s, cport, sport, cs, ss, 0x10, {}));
        for (int i = 0; i < exchanges; ++i) {
            ip(out, c, s, 6, tcp(c, s, cport, sport, cs, ss, 0x18, Bytes(req, 'q')));
            cs += static_cast<uint32_t>(req);
            ip(in, s, c, 6, tcp(s, c, sport, cport, ss, cs, 0x18, Bytes(resp, 'r')));
            ss += static_cast<uint32_t>(resp);
            ip(out, c, s, 6, tcp(c, s, cport, sport, cs, ss, 0x10, {}));
        }
        ip(out, c, s, 6, tcp(c, s, cport, sport, cs, ss, 0x11, {}));
        ip(in, s, c, 6, tcp(s, c, sport, cport, ss, cs + 1, 0x11, {}));
        ip(out, c, s, 6, tcp(c, s, cport, sport, cs + 1, ss + 1, 0x10, {}));
    }

private:
    PcapWriter all_, lan_, wan_;
    uint64_t now_ = kStart;
};

struct Device {
    const char* name;
    Mac mac;
    Ip v4;
    const char* vendor;
    const char* mud_url;
    std::vector<uint16_t> vlans;
};

int home(const std::string& dir) {
    HomeCapture cap(dir);
    const Ip gw4 = Ip::v4("10.0.0.1");
    const Ip zero = Ip::v4("0.0.0.0");
    const Ip bcast = Ip::v4("255.255.255.255");
    std::vector<Device> devices = {
        {"thermostat", mac(0x11), Ip::v4("10.0.0.11"), "NestLabs", "https://mud.example.com/thermostat.json", {}},
        {"camera", mac(0x12), Ip::v4("10.0.0.12"), "AcmeCam 2.1", "https://mud.example.com/camera.json", {}},
        {"phone", mac(0x13), Ip::v4("10.0.0.13"), "android-dhcp-13", "", {}},
        {"tv", mac(0x14), Ip::v4("10.0.0.14"), "SmartTV", "", {10}},
    };
    uint32_t xid = 0x5350494e;
    // DHCP: discover, offer, request, ack for each device.
    for (const auto& d : devices) {
        const L2 out{d.mac, kBroadcast, d.vlans}, in{kGateway, kBroadcast, d.vlans};
        DhcpOptions o{1, d.name, d.vendor, {1, 3, 6, 15, 28, 42}, d.mud_url, d.v4, gw4};
        cap.ip(out, zero, bcast, 17, udp(zero, bcast, 68, 67, dhcp(d.mac, xid, false, o)));
        o.type = 2;
        cap.ip(in, gw4, bcast, 17, udp(gw4, bcast, 67, 68, dhcp(d.mac, xid, true, o)));
        o.type = 3;
        cap.ip(out, zero, bcast, 17, udp(zero, bcast, 68, 67, dhcp(d.mac, xid, false, o)));
        o.type = 5;
        cap.ip(in, gw4, bcast, 17, udp(gw4, bcast, 67, 68, dhcp(d.mac, xid, true, o)));
        ++xid;
        // ARP for the gateway.
        cap.frame(out, 0x0806, arp(false, d.mac, d.v4, Mac{}, gw4));
        cap.frame({kGateway, d.mac, d.vlans}, 0x0806, arp(true, kGateway, gw4, d.mac, d.v4));
    }
    auto up = [&](const Device& d) { return L2{d.mac, kGateway, d.vlans}; };
    auto down = [&](const Device& d) { return L2{kGateway, d.mac, d.vlans}; };
    auto dns = [&](const Device& d, uint16_t id, uint16_t sport, const char* name, uint16_t qtype, const Ip& answer) {
        cap.ip(up(d), d.v4, gw4, 17, udp(d.v4, gw4, sport, 53, dns_query(id, name, qtype)));
        cap.ip(down(d), gw4, d.v4, 17, udp(gw4, d.v4, 53, sport, dns_answer(id, name, qtype, answer, 300)));
    };
    const Device& thermo = devices[0];
    const Device& camera = devices[1];
    const Device& phone = devices[2];
    const Device& tv = devices[3];

    // Thermostat: DNS, HTTPS-like session to its cloud, NTP.
    const Ip cloud = Ip::v4("192.0.2.10");
    dns(thermo, 0x1001, 40001, "api.thermo.example", 1, cloud);
    cap.tcp_session(up(thermo), down(thermo), thermo.v4, 50001, cloud, 443, 3, 220, 1300);
    const Ip ntp = Ip::v4("192.0.2.123");
    for (int i = 0; i < 2; ++i) {
        cap.ip(up(thermo), thermo.v4, ntp, 17, udp(thermo.v4, ntp, 123, 123, Bytes(48, 0x23)));
        cap.ip(down(thermo), ntp, thermo.v4, 17, udp(ntp, thermo.v4, 123, 123, Bytes(48, 0x24)));
    }

    // Camera: IPv6 upload to its video service, resolved by AAAA; a UDP stream.
    const Ip cam6 = Ip::v6("2001:db8:1::12");
    const Ip video6 = Ip::v6("2001:db8:f00::20");
    dns(camera, 0x2001, 40002, "video.cam.example", 28, video6);
    cap.tcp_session(up(camera), down(camera), cam6, 50002, video6, 443, 4, 1400, 90);
    const Ip rtp = Ip::v4("198.51.100.7");
    for (int i = 0; i < 20; ++i)
        cap.ip(up(camera), camera.v4, rtp, 17, udp(camera.v4, rtp, 5004, 5004, Bytes(1200, static_cast<uint8_t>(i))));
    // Someone on the internet knocks on the camera: SYN in, RST out.
    const Ip scanner = Ip::v4("203.0.113.66");
    cap.ip(down(camera), scanner, camera.v4, 6, tcp(scanner, camera.v4, 61000, 8080, 77, 0, 0x02, {}));
    cap.ip(up(camera), camera.v4, scanner, 6, tcp(camera.v4, scanner, 8080, 61000, 0, 78, 0x14, {}));

    // Phone: ICMP and ICMPv6 echo, a DNS lookup and a web session.
    const Ip phone6 = Ip::v6("2001:db8:1::13");
    const Ip web6 = Ip::v6("2001:db8:beef::80");
    for (uint16_t s = 1; s <= 3; ++s) {
        cap.ip(up(phone), phone.v4, cloud, 1, icmp_echo(false, phone.v4, cloud, false, 7, s));
        cap.ip(down(phone), cloud, phone.v4, 1, icmp_echo(false, cloud, phone.v4, true, 7, s));
        cap.ip(up(phone), phone6, web6, 58, icmp_echo(true, phone6, web6, false, 8, s));
        cap.ip(down(phone), web6, phone6, 58, icmp_echo(true, web6, phone6, true, 8, s));
    }
    const Ip news = Ip::v4("198.51.100.80");
    dns(phone, 0x3001, 40003, "news.example", 1, news);
    cap.tcp_session(up(phone), down(phone), phone.v4, 50003, news, 80, 2, 400, 1400);

    // TV on VLAN 10: streaming over TCP; plus QinQ-tagged and unknown frames.
    const Ip stream = Ip::v4("198.51.100.90");
    dns(tv, 0x4001, 40004, "stream.tv.example", 1, stream);
    cap.tcp_session(up(tv), down(tv), tv.v4, 50004, stream, 443, 5, 100, 1400);
    const L2 qinq_up{tv.mac, kGateway, {100, 10}}, qinq_down{kGateway, tv.mac, {100, 10}};
    cap.ip(qinq_up, tv.v4, stream, 17, udp(tv.v4, stream, 50005, 443, Bytes(300, 0x51)));
    cap.ip(qinq_down, stream, tv.v4, 17, udp(stream, tv.v4, 443, 50005, Bytes(900, 0x52)));
    cap.frame({tv.mac, kBroadcast, {}}, 0x88b5, Bytes(46, 0xee));  // local experimental ethertype
    cap.frame({kGateway, kBroadcast, {}}, 0x88b5, Bytes(46, 0xef));
    std::cout << "wrote " << dir << "/home.pcap, home-lan.pcap, home-wan.pcap\n";
    return 0;
}

// Prints how many distinct flows the capture holds (a Zipf order leaves some out).
int flows(uint64_t count, uint32_t packets, const std::string& size, const std::string& order_name, bool ipv6,
          uint16_t vlan, const std::string& out_lan, const std::string& out_wan) {
    PcapWriter lan(out_lan);
    std::unique_ptr<PcapWriter> wan = out_wan.empty() ? nullptr : std::make_unique<PcapWriter>(out_wan);
    if (size != "mix" && size != "64") throw std::invalid_argument("--size must be 64 or mix");
    if (count == 0 || count > UINT32_MAX) throw std::invalid_argument("--flows must be between 1 and 2^32 - 1");
    const FlowShape shape{size == "mix", ipv6, vlan};
    const FlowOrder order = parse_flow_order(order_name);
    // Every flow appears `packets` times (in expectation, for zipf), so every flow stays active.
    const std::vector<uint32_t> seq = flow_sequence(order, static_cast<uint32_t>(count), count * packets);
    std::vector<uint32_t> seen(count, 0);
    uint64_t distinct = 0;
    uint64_t t = kStart;
    for (const uint32_t i : seq) {
        distinct += seen[i] == 0;
        const uint32_t round = seen[i]++;
        lan.write(t++, flow_frame(i, round, shape));
        if (wan) wan->write(t++, flow_frame(i, round, shape, true));
    }
    std::cout << "distinct flows " << distinct << "\n";
    return 0;
}

void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

Bytes v6_option(uint16_t code, const Bytes& value) {
    Bytes b;
    put16(b, code);
    put16(b, static_cast<uint16_t>(value.size()));
    b.insert(b.end(), value.begin(), value.end());
    return b;
}

Bytes lldp_tlv(unsigned type, const Bytes& value) {
    Bytes b{static_cast<uint8_t>(type << 1 | (value.size() >> 8)), static_cast<uint8_t>(value.size())};
    b.insert(b.end(), value.begin(), value.end());
    return b;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

int discovery(const std::string& out) {
    PcapWriter w(out);
    uint64_t t = kStart;
    const Mac phone = mac(0x13), camera = mac(0x12);
    const Mac all_dhcp{{0x33, 0x33, 0, 1, 0, 2}};
    const Ip phone_ll = Ip::v6("fe80::53:50ff:fe49:4e13"), server_ll = Ip::v6("fe80::1");
    const Ip all_servers = Ip::v6("ff02::1:2");
    Bytes duid{0, 3, 0, 1};
    duid.insert(duid.end(), phone.b, phone.b + 6);
    Bytes fqdn{0x01, 5, 'p', 'h', 'o', 'n', 'e', 4, 'h', 'o', 'm', 'e', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    const std::string mud = "https://mud.example.com/phone.json";
    auto msg = [&](uint8_t type, bool with_address) {
        Bytes b{type, 0x12, 0x34, 0x56};
        auto add = [&](const Bytes& o) { b.insert(b.end(), o.begin(), o.end()); };
        add(v6_option(1, duid));
        add(v6_option(8, {0, 0}));
        Bytes ia{0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x15, 0x18};
        if (with_address) {
            const Ip assigned = Ip::v6("2001:db8:1::13");
            Bytes addr(assigned.b, assigned.b + 16);
            addr.insert(addr.end(), {0, 0, 0x1c, 0x20, 0, 0, 0x1d, 0x4c});
            const Bytes o = v6_option(5, addr);
            ia.insert(ia.end(), o.begin(), o.end());
        }
        add(v6_option(3, ia));
        add(v6_option(39, fqdn));
        if (type == 1 || type == 3) add(v6_option(112, text(mud)));
        return b;
    };
    const L2 up{phone, all_dhcp, {}}, down{kGateway, phone, {}};
    w.write(t += 1000,
            ethernet(up, 0x86dd,
                     ip_packet(phone_ll, all_servers, 17, udp(phone_ll, all_servers, 546, 547, msg(1, false)))));
    w.write(t += 1000, ethernet(down, 0x86dd,
                                ip_packet(server_ll, phone_ll, 17, udp(server_ll, phone_ll, 547, 546, msg(2, true)))));
    w.write(
        t += 1000,
        ethernet(up, 0x86dd, ip_packet(phone_ll, all_servers, 17, udp(phone_ll, all_servers, 546, 547, msg(3, true)))));
    w.write(t += 1000, ethernet(down, 0x86dd,
                                ip_packet(server_ll, phone_ll, 17, udp(server_ll, phone_ll, 547, 546, msg(7, true)))));
    // A relay agent forwarding the solicit to a server.
    Bytes relay{12, 0};
    const Ip link = Ip::v6("2001:db8:1::1");
    relay.insert(relay.end(), link.b, link.b + 16);
    relay.insert(relay.end(), phone_ll.b, phone_ll.b + 16);
    const Bytes inner = v6_option(9, msg(1, false));
    relay.insert(relay.end(), inner.begin(), inner.end());
    const Ip relay_ip = Ip::v6("2001:db8:1::1"), server = Ip::v6("2001:db8:ffff::547");
    w.write(t += 1000, ethernet({kGateway, mac(0xfd), {}}, 0x86dd,
                                ip_packet(relay_ip, server, 17, udp(relay_ip, server, 547, 547, relay))));
    // LLDP from the camera, with its MUD URL.
    const Mac nearest{{0x01, 0x80, 0xc2, 0, 0, 0x0e}};
    Bytes chassis{4};
    chassis.insert(chassis.end(), camera.b, camera.b + 6);
    Bytes port{3};
    port.insert(port.end(), camera.b, camera.b + 6);
    Bytes org{0x00, 0x00, 0x5e, 0x01};
    const std::string cam_mud = "https://mud.example.com/camera.json";
    org.insert(org.end(), cam_mud.begin(), cam_mud.end());
    Bytes lldp;
    for (const Bytes& tlv : {lldp_tlv(1, chassis), lldp_tlv(2, port), lldp_tlv(3, {0, 120}),
                             lldp_tlv(5, text("camera")), lldp_tlv(127, org), lldp_tlv(0, {})})
        lldp.insert(lldp.end(), tlv.begin(), tlv.end());
    w.write(t += 1000, ethernet({camera, nearest, {}}, 0x88cc, lldp));
    return 0;
}

int garbage(uint64_t count, uint32_t seed, const std::string& out) {
    PcapWriter w(out);
    std::mt19937 rng(seed);
    auto byte = [&] { return static_cast<uint8_t>(rng()); };
    const Ip a = Ip::v4("10.0.0.5"), b = Ip::v4("192.0.2.5");
    const Ip a6 = Ip::v6("2001:db8::5"), b6 = Ip::v6("2001:db8::6");
    const L2 l2{mac(0x31), kGateway, {}};
    uint64_t t = kStart;
    for (uint64_t i = 0; i < count; ++i) {
        Bytes f;
        switch (rng() % 6) {
        case 0: {  // pure noise of any length, including runts
            f.resize(1 + rng() % 1514);
            for (auto& c : f) c = byte();
            break;
        }
        case 1: {  // a valid TCP frame cut short at a random point
            f = ethernet(l2, 0x0800, ip_packet(a, b, 6, tcp(a, b, 1234, 80, 1, 0, 0x02, Bytes(40, 1))));
            f.resize(1 + rng() % f.size());
            break;
        }
        case 2: {                               // IPv6 with a chain of extension headers, cut or corrupted
            Bytes ext{6, 0, 0, 0, 0, 0, 0, 0};  // destination options -> TCP
            Bytes l4 = tcp(a6, b6, 1, 2, 3, 4, 0x10, {});
            ext.insert(ext.end(), l4.begin(), l4.end());
            f = ethernet(l2, 0x86dd, ip_packet(a6, b6, 60, ext));
            f[14 + 40 + 1] = byte();  // random extension length
            if (rng() % 2) f.resize(14 + rng() % (f.size() - 14));
            break;
        }
        case 3: {  // IPv4 with a lying header: IHL, total length, fragment bits
            f = ethernet(l2, 0x0800, ip_packet(a, b, 17, udp(a, b, 53, 53, Bytes(20, 2))));
            f[14] = static_cast<uint8_t>(0x40 | (rng() % 16));
            f[16] = byte();
            f[17] = byte();
            f[20] = byte();
            break;
        }
        case 4: {  // VLAN stacks deeper than anyone uses, then noise
            f = ethernet({mac(0x31), kGateway, {1, 2, 3, 4, 5, 6}}, 0x0800, Bytes(30, 0xab));
            f.resize(14 + rng() % 30);
            break;
        }
        default: {  // a valid random flow, so real traffic is mixed in
            const uint16_t sp = static_cast<uint16_t>(rng());
            f = ethernet(l2, 0x0800, ip_packet(a, b, 17, udp(a, b, sp, 443, Bytes(rng() % 200, 3))));
            break;
        }
        }
        w.write(t += 100, f);
    }
    return 0;
}

int flood(uint64_t count, uint32_t packets, bool random, const std::string& out) {
    PcapWriter w(out);
    const Mac dev = mac(0x66);
    const auto flows = random ? random_flows(count, 1) : crc_colliding_flows(dev.b, count);
    uint64_t t = kStart;
    for (uint32_t p = 0; p < packets; ++p)
        for (const auto& f : flows) {
            Ip src, dst;
            std::memcpy(src.b, f.lan_ip, 4);
            std::memcpy(dst.b, f.remote_ip, 4);
            const uint8_t flags = p == 0 ? 0x02 : 0x10;  // a SYN, then ACKs
            w.write(t++,
                    ethernet({dev, kGateway, {}}, 0x0800,
                             ip_packet(src, dst, 6, tcp(src, dst, f.lan_port, f.remote_port, 1 + p, 0, flags, {}))));
        }
    return 0;
}

int dns_flood(uint32_t devices, uint64_t answers, uint32_t records, const std::string& out_lan,
              const std::string& out_wan) {
    PcapWriter lan(out_lan), wan(out_wan);
    spin::gen::dns_flood(devices, answers, records, kStart,
                         [&](const FloodFrame& f) { (f.from_network ? wan : lan).write(f.time_us, f.frame); });
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: spin-pcapgen home|flows|discovery|garbage|flood|dns-flood|attack [options] (--help)\n";
        return 2;
    }
    const std::string cmd = argv[1];
    po::options_description opts("spin-pcapgen " + cmd + " options");
    opts.add_options()("help,h", "this help")("out", po::value<std::string>(),
                                              "output directory (home) or file (garbage)")(
        "out-lan", po::value<std::string>(), "flows: capture of LAN -> WAN packets")(
        "out-wan", po::value<std::string>()->default_value(""), "flows: capture of the replies (optional)")(
        "flows", po::value<uint64_t>()->default_value(1000), "flows: number of distinct flows")(
        "packets", po::value<uint32_t>()->default_value(4), "flows: packets per flow and direction")(
        "size", po::value<std::string>()->default_value("64"), "flows: 64 (minimum frames) or mix")(
        "order", po::value<std::string>()->default_value("sequential"),
        "flows: the order packets visit the flows: sequential, random (a permutation per round) or zipf")(
        "ipv6", "flows: IPv6 flows instead of IPv4")("vlan", po::value<uint16_t>()->default_value(0),
                                                     "flows: an 802.1Q tag with this id (0: untagged)")(
        "count", po::value<uint64_t>()->default_value(10000), "garbage: number of frames")(
        "seed", po::value<uint32_t>()->default_value(1), "garbage, attack: random seed")(
        "phases", po::value<std::string>()->default_value("mirai"),
        "attack: comma-separated phases: mirai, syn_flood, udp_flood, icmp_flood, ack_flood, dns_water_torture")(
        "benign", po::value<double>()->default_value(60), "attack: seconds of benign traffic before the attack")(
        "phase-seconds", po::value<double>()->default_value(20), "attack: length of each phase")(
        "gap", po::value<double>()->default_value(10), "attack: benign seconds between phases and at the end")(
        "scan-rate", po::value<double>()->default_value(160), "attack: Mirai scan SYNs per second")(
        "flood-rate", po::value<double>()->default_value(2000), "attack: flood packets per second")(
        "dns-rate", po::value<double>()->default_value(200), "attack: water-torture queries per second")(
        "random", "flood: random flows of the same shape instead of colliding ones")(
        "devices", po::value<uint32_t>()->default_value(16), "dns-flood: devices asking")(
        "answers", po::value<uint64_t>()->default_value(10000), "dns-flood: queries, each answered")(
        "records", po::value<uint32_t>()->default_value(90), "dns-flood: A records per answer");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc - 1, argv + 1, opts), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << opts;
            return 0;
        }
        if (cmd == "home") {
            if (!vm.count("out")) throw std::invalid_argument("home needs --out DIR");
            return home(vm["out"].as<std::string>());
        }
        if (cmd == "flows") {
            if (!vm.count("out-lan")) throw std::invalid_argument("flows needs --out-lan FILE");
            if (vm["vlan"].as<uint16_t>() > 4094) throw std::invalid_argument("--vlan must be 0..4094");
            return flows(vm["flows"].as<uint64_t>(), vm["packets"].as<uint32_t>(), vm["size"].as<std::string>(),
                         vm["order"].as<std::string>(), vm.count("ipv6") > 0, vm["vlan"].as<uint16_t>(),
                         vm["out-lan"].as<std::string>(), vm["out-wan"].as<std::string>());
        }
        if (cmd == "discovery") {
            if (!vm.count("out")) throw std::invalid_argument("discovery needs --out FILE");
            return discovery(vm["out"].as<std::string>());
        }
        if (cmd == "garbage") {
            if (!vm.count("out")) throw std::invalid_argument("garbage needs --out FILE");
            return garbage(vm["count"].as<uint64_t>(), vm["seed"].as<uint32_t>(), vm["out"].as<std::string>());
        }
        if (cmd == "flood") {
            if (!vm.count("out-lan")) throw std::invalid_argument("flood needs --out-lan FILE");
            return flood(vm["flows"].as<uint64_t>(), vm["packets"].as<uint32_t>(), vm.count("random") > 0,
                         vm["out-lan"].as<std::string>());
        }
        if (cmd == "dns-flood") {
            if (!vm.count("out-lan") || vm["out-wan"].as<std::string>().empty())
                throw std::invalid_argument("dns-flood needs --out-lan FILE and --out-wan FILE");
            const auto devices = vm["devices"].as<uint32_t>(), records = vm["records"].as<uint32_t>();
            if (devices == 0 || devices > 200 || records == 0 || records > 90)
                throw std::invalid_argument("dns-flood: --devices 1..200, --records 1..90");
            return dns_flood(devices, vm["answers"].as<uint64_t>(), records, vm["out-lan"].as<std::string>(),
                             vm["out-wan"].as<std::string>());
        }
        if (cmd == "attack") {
            if (!vm.count("out")) throw std::invalid_argument("attack needs --out DIR");
            AttackScenario sc;
            sc.phases.clear();
            const std::string list = vm["phases"].as<std::string>();
            for (size_t at = 0; at <= list.size();) {
                const size_t comma = std::min(list.find(',', at), list.size());
                if (comma > at) sc.phases.push_back(list.substr(at, comma - at));
                at = comma + 1;
            }
            sc.seed = vm["seed"].as<uint32_t>();
            sc.benign_s = vm["benign"].as<double>();
            sc.phase_s = vm["phase-seconds"].as<double>();
            sc.gap_s = vm["gap"].as<double>();
            sc.scan_rate = vm["scan-rate"].as<double>();
            sc.flood_rate = vm["flood-rate"].as<double>();
            sc.dns_rate = vm["dns-rate"].as<double>();
            for (double v : {sc.benign_s, sc.phase_s, sc.gap_s})
                if (!(v >= 0 && v <= 86400)) throw std::invalid_argument("attack: durations are 0..86400 s");
            for (double v : {sc.scan_rate, sc.flood_rate, sc.dns_rate})
                if (!(v > 0 && v <= 1e6)) throw std::invalid_argument("attack: rates are above 0 and at most 1e6/s");
            attack_capture(sc, vm["out"].as<std::string>());
            return 0;
        }
        std::cerr << "spin-pcapgen: unknown command '" << cmd << "'\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "spin-pcapgen: " << e.what() << "\n";
        return 2;
    }
}
