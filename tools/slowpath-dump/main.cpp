// spin-slowpath-dump FILE: runs the agent's slow-path parsers over a capture —
// every frame the workers would copy (DNS on UDP 53 / TCP 53, mDNS, DHCPv4,
// DHCPv6, ARP, IPv6 neighbour discovery, SSDP, LLDP), found and cut exactly as
// the agent does — and prints one JSON line per frame, so that tests can hold
// them against tshark's dissection.
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/slowpath/dhcp_message.h"
#include "agent/slowpath/dhcpv6_message.h"
#include "agent/slowpath/dns_message.h"
#include "agent/slowpath/lldp_message.h"
#include "agent/slowpath/mdns_names.h"
#include "agent/slowpath/neighbour_message.h"
#include "agent/slowpath/slow_frame.h"
#include "agent/slowpath/ssdp_message.h"
#include "dataplane/packet_parser.h"
#include "dataplane/slow_path.h"
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
        j["bindings"].push_back({{"name", b.name},
                                 {"addr", proto::format_ip(b.addr.data(), b.ip_version)},
                                 {"ttl", b.ttl},
                                 {"via", b.via}});
    return j;
}
std::string hex(const std::vector<uint8_t>& v) { return proto::format_hex(v.data(), v.size()); }

nlohmann::json to_json(const slowpath::DhcpMessage& m) {
    nlohmann::json j{{"op", m.op},
                     {"xid", m.xid},
                     {"client_mac", proto::format_mac(m.client_mac.data())},
                     {"message_type", m.message_type},
                     {"hostname", m.hostname},
                     {"vendor_class", m.vendor_class},
                     {"fingerprint", m.fingerprint()},
                     {"client_id", hex(m.client_id)},
                     {"mud_url", m.mud_url},
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
        dp::parse_packet(data, h->caplen, pp);
        const dp::SlowKind kind = dp::classify_slow(pp);
        if (kind == dp::SlowKind::none) continue;
        slowpath::SlowPayload pl;
        nlohmann::json line{{"frame", frame}};
        if (auto e = slowpath::locate_payload(data, h->caplen, pp, kind, pl); !e.empty()) {
            line["error"] = e;
        } else if (kind == dp::SlowKind::lldp) {
            slowpath::LldpMessage m;
            if (auto e = slowpath::parse_lldp(pl.data, pl.len, m); !e.empty())
                line["error"] = e;
            else
                line["lldp"] = {
                    {"chassis_id", hex(m.chassis_id)}, {"system_name", m.system_name}, {"mud_url", m.mud_url}};
        } else if (kind == dp::SlowKind::arp) {
            slowpath::ArpMessage m;
            if (auto e = slowpath::parse_arp(pl.data, pl.len, m); !e.empty()) {
                line["error"] = e;
            } else {
                line["arp"] = {{"op", m.op},
                               {"sender_mac", proto::format_mac(m.sender_mac.data())},
                               {"sender_ip", proto::format_ip(m.sender_ip.data(), 4)},
                               {"target_mac", proto::format_mac(m.target_mac.data())},
                               {"target_ip", proto::format_ip(m.target_ip.data(), 4)},
                               {"bindings", slowpath::arp_bindings(m).size()}};
            }
        } else if (kind == dp::SlowKind::nd) {
            slowpath::NdMessage m;
            if (auto e = slowpath::parse_nd(pl.data, pl.len, m); !e.empty()) {
                line["error"] = e;
            } else {
                nlohmann::json j{{"type", m.type}};
                if (m.has_target) j["target"] = proto::format_ip(m.target.data(), 6);
                if (m.has_source_mac) j["source_mac"] = proto::format_mac(m.source_mac.data());
                if (m.has_target_mac) j["target_mac"] = proto::format_mac(m.target_mac.data());
                j["bindings"] = slowpath::nd_bindings(m, pp.src).size();
                line["nd"] = j;
            }
        } else if (kind == dp::SlowKind::dhcpv6) {
            slowpath::Dhcpv6Message m;
            if (auto e = slowpath::parse_dhcpv6(pl.data, pl.len, m); !e.empty()) {
                line["error"] = e;
            } else {
                nlohmann::json addrs = nlohmann::json::array();
                for (const auto& a : m.addresses) addrs.push_back(proto::format_ip(a.data(), 6));
                line["dhcpv6"] = {{"type", m.type}, {"transaction", m.transaction}, {"client_duid", hex(m.client_duid)},
                                  {"fqdn", m.fqdn}, {"mud_url", m.mud_url},         {"addresses", addrs}};
            }
        } else if (kind == dp::SlowKind::dhcp) {
            slowpath::DhcpMessage m;
            const auto e = slowpath::parse_dhcp(pl.data, pl.len, m);
            if (e.empty())
                line["dhcp"] = to_json(m);
            else
                line["error"] = e;
        } else if (kind == dp::SlowKind::ssdp) {
            slowpath::SsdpMessage m;
            if (auto e = slowpath::parse_ssdp(pl.data, pl.len, m); !e.empty())
                line["error"] = e;
            else
                line["ssdp"] = {{"method", m.method}, {"server", m.server}, {"type", m.type},
                                {"nts", m.nts},       {"usn", m.usn},       {"location", m.location}};
        } else if (!pl.tcp) {  // DNS or mDNS over UDP
            slowpath::DnsMessage m;
            const auto e = slowpath::parse_dns(pl.data, pl.len, m);
            if (e.empty())
                line["dns"] = to_json(m);
            else
                line["error"] = e;
            if (e.empty() && kind == dp::SlowKind::mdns) {
                const auto names = slowpath::mdns_names(m);
                nlohmann::json services = nlohmann::json::array();
                for (const auto& sv : names.services)
                    services.push_back({{"type", sv.type}, {"instance", sv.instance}});
                line["mdns"] = {{"hostnames", names.hostnames},
                                {"services", services},
                                {"records", m.answers.size() + m.additional.size()}};
            }
        } else {
            if (pl.len == 0) continue;  // handshake and bare ACKs
            std::vector<slowpath::DnsMessage> ms;
            const auto e = slowpath::parse_dns_tcp(pl.data, pl.len, ms);
            line["messages"] = nlohmann::json::array();
            for (const auto& m : ms) line["messages"].push_back(to_json(m));
            if (!e.empty()) line["error"] = e;
        }
        std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    pcap_close(p);
    return 0;
}
