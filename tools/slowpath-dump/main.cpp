// spin-slowpath-dump FILE: runs the agent's slow-path parsers over a capture —
// DNS on UDP 53 / 5353 and TCP 53, DHCPv4 on UDP 67 / 68, DHCPv6 on UDP 546 /
// 547, ARP, IPv6 neighbour discovery, LLDP — and prints one JSON
// line per frame, so that tests can hold them against tshark's dissection.
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/slowpath/dhcp_message.h"
#include "agent/slowpath/dhcpv6_message.h"
#include "agent/slowpath/dns_message.h"
#include "agent/slowpath/lldp_message.h"
#include "agent/slowpath/neighbour_message.h"
#include "dataplane/packet_parser.h"
#include "proto/flow_record_json.h"

using namespace spin;

namespace {
nlohmann::json to_json(const slowpath::DnsMessage& m) {
    nlohmann::json j{{"id", m.id}, {"response", m.response}, {"rcode", m.rcode}, {"tc", m.truncated}};
    j["questions"] = nlohmann::json::array();
    for (const auto& q : m.questions) j["questions"].push_back({{"name", q.name}, {"type", q.type}});
    j["answers"] = nlohmann::json::array();
    for (const auto& a : m.answers) {
        nlohmann::json x{{"name", a.name}, {"type", a.type}, {"ttl", a.ttl}};
        if (a.ip_version) x["addr"] = proto::format_ip(a.addr.data(), a.ip_version);
        if (!a.cname.empty()) x["cname"] = a.cname;
        j["answers"].push_back(x);
    }
    j["bindings"] = nlohmann::json::array();
    for (const auto& b : slowpath::dns_bindings(m))
        j["bindings"].push_back({{"name", b.name}, {"addr", proto::format_ip(b.addr.data(), b.ip_version)},
                                 {"ttl", b.ttl}, {"via", b.via}});
    return j;
}
std::string hex(const std::vector<uint8_t>& v) {
    std::string s;
    for (uint8_t b : v) s += fmt::format("{:02x}", b);
    return s;
}

nlohmann::json to_json(const slowpath::DhcpMessage& m) {
    nlohmann::json j{{"op", m.op}, {"xid", m.xid}, {"client_mac", proto::format_mac(m.client_mac.data())},
                     {"message_type", m.message_type}, {"hostname", m.hostname},
                     {"vendor_class", m.vendor_class}, {"fingerprint", m.fingerprint()},
                     {"client_id", hex(m.client_id)}, {"mud_url", m.mud_url},
                     {"yiaddr", proto::format_ip(m.yiaddr.data(), 4)}};
    if (m.requested_ip) j["requested_ip"] = proto::format_ip(m.requested_ip->data(), 4);
    if (m.server_id) j["server_id"] = proto::format_ip(m.server_id->data(), 4);
    if (m.lease_seconds) j["lease_seconds"] = *m.lease_seconds;
    return j;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: spin-slowpath-dump FILE.pcap\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(argv[1], err);
    if (p == nullptr) {
        std::fprintf(stderr, "spin-slowpath-dump: %s\n", err);
        return 1;
    }
    pcap_pkthdr* h;
    const u_char* data;
    uint64_t frame = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        ++frame;
        dp::ParsedPacket pp;
        const auto status = dp::parse_packet(data, h->caplen, pp);
        if (status == dp::ParseStatus::non_ip && pp.ethertype == 0x88cc) {
            const size_t off = 14 + 4u * pp.vlan_depth;
            slowpath::LldpMessage m;
            nlohmann::json line{{"frame", frame}};
            if (auto e = slowpath::parse_lldp(data + off, h->caplen - off, m); !e.empty())
                line["error"] = e;
            else
                line["lldp"] = {{"chassis_id", hex(m.chassis_id)}, {"system_name", m.system_name}, {"mud_url", m.mud_url}};
            std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
            continue;
        }
        if (status == dp::ParseStatus::non_ip && pp.ethertype == 0x0806) {
            const size_t off = 14 + 4u * pp.vlan_depth;
            slowpath::ArpMessage m;
            nlohmann::json line{{"frame", frame}};
            if (auto e = slowpath::parse_arp(data + off, h->caplen - off, m); !e.empty()) {
                line["error"] = e;
            } else {
                line["arp"] = {{"op", m.op}, {"sender_mac", proto::format_mac(m.sender_mac.data())},
                               {"sender_ip", proto::format_ip(m.sender_ip.data(), 4)},
                               {"target_mac", proto::format_mac(m.target_mac.data())},
                               {"target_ip", proto::format_ip(m.target_ip.data(), 4)},
                               {"bindings", slowpath::arp_bindings(m).size()}};
            }
            std::printf("%s\n", line.dump().c_str());
            continue;
        }
        if (status == dp::ParseStatus::ok && pp.proto == 58 && pp.icmp_type >= 133 && pp.icmp_type <= 137 &&
            !pp.later_fragment) {
            slowpath::NdMessage m;
            nlohmann::json line{{"frame", frame}};
            const uint16_t payload = static_cast<uint16_t>(data[pp.l3_offset + 4] << 8 | data[pp.l3_offset + 5]);
            const size_t end = std::min<size_t>(h->caplen, pp.l3_offset + 40u + payload);
            if (auto e = slowpath::parse_nd(data + pp.l4_offset, end - pp.l4_offset, m); !e.empty()) {
                line["error"] = e;
            } else {
                nlohmann::json j{{"type", m.type}};
                if (m.has_target) j["target"] = proto::format_ip(m.target.data(), 6);
                if (m.has_source_mac) j["source_mac"] = proto::format_mac(m.source_mac.data());
                if (m.has_target_mac) j["target_mac"] = proto::format_mac(m.target_mac.data());
                j["bindings"] = slowpath::nd_bindings(m, pp.src).size();
                line["nd"] = j;
            }
            std::printf("%s\n", line.dump().c_str());
            continue;
        }
        if (status != dp::ParseStatus::ok || !pp.has_ports) continue;
        auto port = [&](uint16_t a, uint16_t b) { return pp.sport == a || pp.dport == a || pp.sport == b || pp.dport == b; };
        const bool udp_dns = pp.proto == 17 && port(53, 5353);
        const bool udp_dhcp = pp.proto == 17 && port(67, 68);
        const bool udp_dhcpv6 = pp.proto == 17 && port(546, 547);
        const bool tcp = pp.proto == 6 && port(53, 53);
        if (!udp_dns && !udp_dhcp && !udp_dhcpv6 && !tcp) continue;
        const bool udp = pp.proto == 17;
        const size_t off = pp.l4_offset + (udp ? 8 : (data[pp.l4_offset + 12] >> 4) * 4u);
        if (off >= h->caplen) continue;
        // UDP: the datagram's own length bounds the payload (Ethernet padding follows).
        size_t len = h->caplen - off;
        if (udp) len = std::min<size_t>(len, (data[pp.l4_offset + 4] << 8 | data[pp.l4_offset + 5]) - 8u);
        nlohmann::json line{{"frame", frame}};
        if (udp_dhcpv6) {
            slowpath::Dhcpv6Message m;
            if (auto e = slowpath::parse_dhcpv6(data + off, len, m); !e.empty()) {
                line["error"] = e;
            } else {
                nlohmann::json addrs = nlohmann::json::array();
                for (const auto& a : m.addresses) addrs.push_back(proto::format_ip(a.data(), 6));
                line["dhcpv6"] = {{"type", m.type}, {"transaction", m.transaction}, {"client_duid", hex(m.client_duid)},
                                  {"fqdn", m.fqdn}, {"mud_url", m.mud_url}, {"addresses", addrs}};
            }
        } else if (udp_dhcp) {
            slowpath::DhcpMessage m;
            const auto e = slowpath::parse_dhcp(data + off, len, m);
            if (e.empty()) line["dhcp"] = to_json(m); else line["error"] = e;
        } else if (udp) {
            slowpath::DnsMessage m;
            const auto e = slowpath::parse_dns(data + off, len, m);
            if (e.empty()) line["dns"] = to_json(m); else line["error"] = e;
        } else {
            std::vector<slowpath::DnsMessage> ms;
            const auto e = slowpath::parse_dns_tcp(data + off, len, ms);
            line["messages"] = nlohmann::json::array();
            for (const auto& m : ms) line["messages"].push_back(to_json(m));
            if (!e.empty()) line["error"] = e;
        }
        std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    pcap_close(p);
    return 0;
}
