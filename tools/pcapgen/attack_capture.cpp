#include "attack_capture.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "packet_builder.h"
#include "pcap_writer.h"

namespace spin::gen {

namespace {

constexpr uint64_t kStart = 1'767'225'600'000'000ull;  // 2026-01-01T00:00:00Z

Mac mac(uint8_t last) { return Mac{{0x02, 0x53, 0x50, 0x49, 0x4e, last}}; }  // locally administered
const Mac kGateway = mac(0xfe);
const Mac kBroadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
const Ip kGw = Ip::v4("192.168.1.1");  // DHCP server and resolver
const Ip kVictim = Ip::v4("203.0.113.50");
const char* const kVictimDomain = "victim-dns.example";

struct Device {
    const char* name;
    Mac mac;
    Ip ip;
    const char* cloud_name;
    Ip cloud;
};

struct Frame {
    uint64_t t;
    bool from_wan;
    Bytes bytes;
};

std::string ip_text(const Ip& ip) {
    return std::to_string(ip.b[0]) + "." + std::to_string(ip.b[1]) + "." + std::to_string(ip.b[2]) + "." +
           std::to_string(ip.b[3]);
}

std::string mac_text(const Mac& m) {
    char s[18];
    std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
    return s;
}

double seconds(uint64_t t) { return static_cast<double>(t) / 1e6; }

class Builder {
public:
    explicit Builder(uint64_t seed) : rng_(seed) {}

    void ip(uint64_t t, const Device& d, bool from_wan, const Ip& s, const Ip& dst, uint8_t proto, const Bytes& l4) {
        const L2 l2 = from_wan ? L2{kGateway, d.mac, {}} : L2{d.mac, kGateway, {}};
        frames_.push_back({t, from_wan, ethernet(l2, 0x0800, ip_packet(s, dst, proto, l4))});
    }
    void raw(uint64_t t, bool from_wan, Bytes f) { frames_.push_back({t, from_wan, std::move(f)}); }

    uint64_t jitter(uint64_t max_us) { return std::uniform_int_distribution<uint64_t>(0, max_us)(rng_); }
    uint32_t u32() { return static_cast<uint32_t>(rng_()); }
    uint16_t port() { return static_cast<uint16_t>(1024 + rng_() % 64000); }
    double chance() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

    // DHCP discover / offer / request / ack.
    void dhcp_lease(uint64_t t, const Device& d, uint32_t xid) {
        const Ip zero = Ip::v4("0.0.0.0"), bcast = Ip::v4("255.255.255.255");
        DhcpOptions o{1, d.name, "", {1, 3, 6, 15, 42}, "", d.ip, kGw, {kGw}};
        const L2 out{d.mac, kBroadcast, {}}, in{kGateway, kBroadcast, {}};
        for (uint8_t type : {1, 2, 3, 5}) {
            o.type = type;
            const bool reply = type == 2 || type == 5;
            raw(t, reply,
                ethernet(reply ? in : out, 0x0800,
                         reply ? ip_packet(kGw, bcast, 17, udp(kGw, bcast, 67, 68, dhcp(d.mac, xid, true, o)))
                               : ip_packet(zero, bcast, 17, udp(zero, bcast, 68, 67, dhcp(d.mac, xid, false, o)))));
            t += 2000;
        }
    }
    void dns(uint64_t t, const Device& d, const std::string& name, const Ip& answer) {
        const uint16_t id = static_cast<uint16_t>(u32()), sport = port();
        ip(t, d, false, d.ip, kGw, 17, udp(d.ip, kGw, sport, 53, dns_query(id, name, 1)));
        ip(t + 8000 + jitter(20000), d, true, kGw, d.ip, 17,
           udp(kGw, d.ip, 53, sport, dns_answer(id, name, 1, answer, 300)));
    }
    // A DNS error answer (rcode 3 NXDOMAIN, 2 SERVFAIL): the question echoed.
    void dns_error(uint64_t t, const Device& d, const std::string& name, uint8_t rcode) {
        const uint16_t id = static_cast<uint16_t>(u32()), sport = port();
        ip(t, d, false, d.ip, kGw, 17, udp(d.ip, kGw, sport, 53, dns_query(id, name, 1)));
        Bytes answer = dns_query(id, name, 1);
        answer[2] = 0x81;  // QR, RD
        answer[3] = static_cast<uint8_t>(0x80 | rcode);
        ip(t + 10000 + jitter(50000), d, true, kGw, d.ip, 17, udp(kGw, d.ip, 53, sport, answer));
    }
    void tcp_session(uint64_t t, const Device& d, const Ip& server, uint16_t sport, int exchanges, size_t req,
                     size_t resp) {
        const uint16_t cport = port();
        uint32_t cs = u32(), ss = u32();
        auto out = [&](uint8_t flags, size_t len) {
            ip(t, d, false, d.ip, server, 6, tcp(d.ip, server, cport, sport, cs, ss, flags, Bytes(len, 'q')));
            t += 300 + jitter(2000);
        };
        auto in = [&](uint8_t flags, size_t len) {
            ip(t, d, true, server, d.ip, 6, tcp(server, d.ip, sport, cport, ss, cs, flags, Bytes(len, 'r')));
            t += 300 + jitter(20000);
        };
        out(0x02, 0);
        ++cs;
        in(0x12, 0);
        ++ss;
        out(0x10, 0);
        for (int i = 0; i < exchanges; ++i) {
            out(0x18, req);
            cs += static_cast<uint32_t>(req);
            in(0x18, resp);
            ss += static_cast<uint32_t>(resp);
            out(0x10, 0);
        }
        out(0x11, 0);
        ++cs;
        in(0x11, 0);
        ++ss;
        out(0x10, 0);
    }
    void ntp(uint64_t t, const Device& d, const Ip& server) {
        const uint16_t sport = port();
        ip(t, d, false, d.ip, server, 17, udp(d.ip, server, sport, 123, Bytes(48, 0x23)));
        ip(t + 15000 + jitter(30000), d, true, server, d.ip, 17, udp(server, d.ip, 123, sport, Bytes(48, 0x24)));
    }

    std::vector<Frame>& frames() { return frames_; }
    std::mt19937_64& rng() { return rng_; }

private:
    std::mt19937_64 rng_;
    std::vector<Frame> frames_;
};

// An address on the public internet (no private, shared, loopback,
// link-local, documentation or multicast ranges), as Mirai's scanner draws them.
Ip public_target(Builder& b) {
    for (;;) {
        const uint32_t v = b.u32();
        const uint8_t a = v >> 24, c = (v >> 16) & 0xff;
        if (a == 0 || a == 10 || a == 127 || a >= 224 || (a == 100 && (c & 0xc0) == 64) || (a == 169 && c == 254) ||
            (a == 172 && (c & 0xf0) == 16) || (a == 192 && c == 168) || a == 198 || a == 203 || a == 192)
            continue;
        Ip ip = Ip::v4("0.0.0.0");
        ip.b[0] = a, ip.b[1] = c, ip.b[2] = (v >> 8) & 0xff, ip.b[3] = v & 0xff;
        return ip;
    }
}

uint32_t be(const Ip& ip) {
    return uint32_t{ip.b[0]} << 24 | uint32_t{ip.b[1]} << 16 | uint32_t{ip.b[2]} << 8 | ip.b[3];
}

nlohmann::json mirai(Builder& b, const Device& bot, uint64_t start, uint64_t end, double rate) {
    const uint16_t sport = b.port();  // one raw socket, one source port
    uint64_t syns = 0, p23 = 0, p2323 = 0, rsts = 0, synacks = 0;
    std::set<uint32_t> targets;
    const double gap = 1e6 / rate;
    for (double t = static_cast<double>(start); t < static_cast<double>(end); t += gap * (0.5 + b.chance())) {
        const uint64_t at = static_cast<uint64_t>(t);
        const Ip dst = public_target(b);
        const uint16_t dport = b.chance() < 0.9 ? 23 : 2323;
        (dport == 23 ? p23 : p2323) += 1;
        ++syns;
        targets.insert(be(dst));
        b.ip(at, bot, false, bot.ip, dst, 6, tcp(bot.ip, dst, sport, dport, be(dst), 0, 0x02, {}));
        const double fate = b.chance();
        const uint64_t back = at + 20000 + b.jitter(150000);
        if (fate < 0.03) {  // closed port: RST-ACK
            ++rsts;
            b.ip(back, bot, true, dst, bot.ip, 6, tcp(dst, bot.ip, dport, sport, 0, be(dst) + 1, 0x14, {}));
        } else if (fate < 0.035) {  // open: SYN-ACK, and the bot's kernel resets it (no socket)
            ++synacks;
            b.ip(back, bot, true, dst, bot.ip, 6, tcp(dst, bot.ip, dport, sport, b.u32(), be(dst) + 1, 0x12, {}));
            b.ip(back + 200, bot, false, bot.ip, dst, 6, tcp(bot.ip, dst, sport, dport, be(dst) + 1, 0, 0x04, {}));
        }
    }
    return {{"syns", syns},      {"port_23", p23},          {"port_2323", p2323},  {"distinct_targets", targets.size()},
            {"rsts_back", rsts}, {"synacks_back", synacks}, {"source_port", sport}};
}

nlohmann::json flood(Builder& b, const Device& bot, const std::string& kind, uint64_t start, uint64_t end,
                     double rate) {
    uint64_t out = 0, back = 0;
    const double gap = 1e6 / rate;
    for (double t = static_cast<double>(start); t < static_cast<double>(end); t += gap * (0.5 + b.chance())) {
        const uint64_t at = static_cast<uint64_t>(t);
        const uint16_t sport = b.port();
        ++out;
        if (kind == "syn_flood") {
            b.ip(at, bot, false, bot.ip, kVictim, 6, tcp(bot.ip, kVictim, sport, 80, b.u32(), 0, 0x02, {}));
            if (b.chance() < 0.005) {
                ++back;
                b.ip(at + 30000, bot, true, kVictim, bot.ip, 6, tcp(kVictim, bot.ip, 80, sport, 0, 1, 0x14, {}));
            }
        } else if (kind == "udp_flood") {
            b.ip(at, bot, false, bot.ip, kVictim, 17, udp(bot.ip, kVictim, sport, b.port(), Bytes(512, 0x55)));
        } else if (kind == "icmp_flood") {
            const uint16_t seq = static_cast<uint16_t>(out);
            b.ip(at, bot, false, bot.ip, kVictim, 1, icmp_echo(false, bot.ip, kVictim, false, 0x4d31, seq));
            if (b.chance() < 0.01) {
                ++back;
                b.ip(at + 30000, bot, true, kVictim, bot.ip, 1, icmp_echo(false, kVictim, bot.ip, true, 0x4d31, seq));
            }
        } else {  // ack_flood
            b.ip(at, bot, false, bot.ip, kVictim, 6, tcp(bot.ip, kVictim, sport, 443, b.u32(), b.u32(), 0x10, {}));
            if (b.chance() < 0.01) {
                ++back;
                b.ip(at + 30000, bot, true, kVictim, bot.ip, 6, tcp(kVictim, bot.ip, 443, sport, 0, 0, 0x04, {}));
            }
        }
    }
    return {{"victim", ip_text(kVictim)}, {"packets_out", out}, {"packets_back", back}, {"rate", rate}};
}

nlohmann::json water_torture(Builder& b, const Device& bot, uint64_t start, uint64_t end, double rate) {
    uint64_t queries = 0, nxdomain = 0;
    const double gap = 1e6 / rate;
    static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (double t = static_cast<double>(start); t < static_cast<double>(end); t += gap * (0.5 + b.chance())) {
        std::string label;
        for (int i = 0; i < 12; ++i) label += kAlnum[b.u32() % 36];
        const bool nx = b.chance() < 0.95;
        nxdomain += nx ? 1 : 0;
        ++queries;
        b.dns_error(static_cast<uint64_t>(t), bot, label + "." + kVictimDomain, nx ? 3 : 2);
    }
    return {{"domain", kVictimDomain}, {"queries", queries}, {"nxdomain", nxdomain}, {"rate", rate}};
}

}  // namespace

const std::vector<std::string>& attack_phases() {
    static const std::vector<std::string> names{"mirai",      "syn_flood", "udp_flood",
                                                "icmp_flood", "ack_flood", "dns_water_torture"};
    return names;
}

void attack_capture(const AttackScenario& s, const std::string& dir) {
    for (const auto& p : s.phases)
        if (std::find(attack_phases().begin(), attack_phases().end(), p) == attack_phases().end())
            throw std::invalid_argument("unknown attack phase '" + p + "'");
    Builder b(s.seed);
    const std::vector<Device> devices = {
        {"ipcam", mac(0x21), Ip::v4("192.168.1.21"), "cam.acme-cloud.example", Ip::v4("198.51.100.21")},
        {"laptop", mac(0x22), Ip::v4("192.168.1.22"), "mail.example.org", Ip::v4("198.51.100.22")},
        {"thermostat", mac(0x23), Ip::v4("192.168.1.23"), "api.thermo.example", Ip::v4("198.51.100.23")},
        {"phone", mac(0x24), Ip::v4("192.168.1.24"), "push.phone.example", Ip::v4("198.51.100.24")},
    };
    const Device& bot = devices[0];
    const Ip ntp_server = Ip::v4("198.51.100.123");
    const auto us = [](double sec) { return static_cast<uint64_t>(sec * 1e6); };
    const uint64_t attack_start = kStart + us(s.benign_s);
    const uint64_t end = attack_start + us((s.phase_s + s.gap_s) * static_cast<double>(s.phases.size())) +
                         (s.phases.empty() ? us(s.gap_s) : 0);

    // Benign traffic of every device, the whole time.
    uint32_t xid = 0x41545400;
    for (size_t i = 0; i < devices.size(); ++i) b.dhcp_lease(kStart + i * 50000, devices[i], xid++);
    for (size_t i = 0; i < devices.size(); ++i) {
        const Device& d = devices[i];
        for (uint64_t t = kStart + us(1) + i * 7000; t < end; t += us(30) + b.jitter(us(5))) {
            b.dns(t, d, d.cloud_name, d.cloud);
            b.tcp_session(t + us(0.1), d, d.cloud, 443, 2 + static_cast<int>(b.u32() % 4), 300, 1400);
        }
        for (uint64_t t = kStart + us(2) + i * 11000; t < end; t += us(64)) b.ntp(t, d, ntp_server);
    }
    // The laptop browses; the camera uploads its video.
    for (uint64_t t = kStart + us(3); t < end; t += us(5) + b.jitter(us(3))) {
        const std::string site = "site" + std::to_string(b.u32() % 20) + ".example.net";
        Ip web = Ip::v4("198.51.100.100");
        web.b[3] = static_cast<uint8_t>(100 + b.u32() % 20);
        b.dns(t, devices[1], site, web);
        b.tcp_session(t + us(0.05), devices[1], web, 443, 3, 500, 1400);
    }
    {
        const uint16_t cport = b.port();
        uint32_t cs = b.u32(), ss = b.u32();
        const Ip& cloud = bot.cloud;
        b.ip(kStart + us(1.5), bot, false, bot.ip, cloud, 6, tcp(bot.ip, cloud, cport, 8443, cs++, 0, 0x02, {}));
        b.ip(kStart + us(1.52), bot, true, cloud, bot.ip, 6, tcp(cloud, bot.ip, 8443, cport, ss++, cs, 0x12, {}));
        b.ip(kStart + us(1.53), bot, false, bot.ip, cloud, 6, tcp(bot.ip, cloud, cport, 8443, cs, ss, 0x10, {}));
        for (uint64_t t = kStart + us(2); t < end; t += us(0.25)) {
            b.ip(t, bot, false, bot.ip, cloud, 6, tcp(bot.ip, cloud, cport, 8443, cs, ss, 0x18, Bytes(1200, 'v')));
            cs += 1200;
            b.ip(t + 20000, bot, true, cloud, bot.ip, 6, tcp(cloud, bot.ip, 8443, cport, ss, cs, 0x10, {}));
        }
    }

    nlohmann::json truth;
    truth["infected"] = {{"mac", mac_text(bot.mac)}, {"ip", ip_text(bot.ip)}, {"name", bot.name}};
    for (const auto& d : devices)
        truth["devices"].push_back({{"mac", mac_text(d.mac)}, {"ip", ip_text(d.ip)}, {"name", d.name}});
    truth["start"] = seconds(kStart);
    truth["end"] = seconds(end);
    truth["seed"] = s.seed;
    truth["phases"] = nlohmann::json::array();
    uint64_t t = attack_start;
    for (const auto& p : s.phases) {
        const uint64_t stop = t + us(s.phase_s);
        nlohmann::json j = p == "mirai"               ? mirai(b, bot, t, stop, s.scan_rate)
                           : p == "dns_water_torture" ? water_torture(b, bot, t, stop, s.dns_rate)
                                                      : flood(b, bot, p, t, stop, s.flood_rate);
        j["name"] = p;
        j["start"] = seconds(t);
        j["end"] = seconds(stop);
        truth["phases"].push_back(std::move(j));
        t = stop + us(s.gap_s);
    }

    auto& frames = b.frames();
    std::stable_sort(frames.begin(), frames.end(), [](const Frame& x, const Frame& y) { return x.t < y.t; });
    PcapWriter all(dir + "/attack.pcap"), lan(dir + "/attack-lan.pcap"), wan(dir + "/attack-wan.pcap");
    for (const auto& f : frames) {
        if (f.t >= end + us(1)) continue;  // answers past the end stay out: the capture ends there
        all.write(f.t, f.bytes);
        (f.from_wan ? wan : lan).write(f.t, f.bytes);
    }
    truth["frames"] = all.frames();
    std::ofstream(dir + "/attack-truth.json") << truth.dump(1) << "\n";
}

}  // namespace spin::gen
