// spin-dns-dump FILE: runs the agent's DNS parser over every UDP port 53 / 5353
// and TCP port 53 frame of a capture and prints one JSON line per frame, so
// that tests can hold it against tshark's dissection of the same capture.
#include <pcap/pcap.h>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/slowpath/dns_message.h"
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
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: spin-dns-dump FILE.pcap\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(argv[1], err);
    if (p == nullptr) {
        std::fprintf(stderr, "spin-dns-dump: %s\n", err);
        return 1;
    }
    pcap_pkthdr* h;
    const u_char* data;
    uint64_t frame = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        ++frame;
        dp::ParsedPacket pp;
        if (dp::parse_packet(data, h->caplen, pp) != dp::ParseStatus::ok || !pp.has_ports) continue;
        const bool udp = pp.proto == 17 && (pp.sport == 53 || pp.dport == 53 || pp.sport == 5353 || pp.dport == 5353);
        const bool tcp = pp.proto == 6 && (pp.sport == 53 || pp.dport == 53);
        if (!udp && !tcp) continue;
        size_t off = pp.l4_offset + (udp ? 8 : (data[pp.l4_offset + 12] >> 4) * 4u);
        if (off >= h->caplen) continue;
        const size_t len = h->caplen - off;
        nlohmann::json line{{"frame", frame}};
        if (udp) {
            slowpath::DnsMessage m;
            const auto e = slowpath::parse_dns(data + off, std::min<size_t>(len, pp.l4_offset + (data[pp.l4_offset + 4] << 8 | data[pp.l4_offset + 5]) - off), m);
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
