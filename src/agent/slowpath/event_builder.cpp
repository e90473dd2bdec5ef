#include "agent/slowpath/event_builder.h"

#include <chrono>
#include <cstring>

#include "agent/slowpath/dhcp_message.h"
#include "agent/slowpath/dhcpv6_message.h"
#include "agent/slowpath/lldp_message.h"
#include "agent/slowpath/mdns_names.h"
#include "agent/slowpath/neighbour_message.h"
#include "agent/slowpath/slow_frame.h"
#include "agent/slowpath/ssdp_message.h"
#include "common/mac_address.h"
#include "dataplane/packet_parser.h"
#include "proto/flow_record_json.h"

namespace spin::slowpath {

namespace {

constexpr size_t kMaxBindings = 65536;

std::string hex(const std::vector<uint8_t>& v) { return proto::format_hex(v.data(), v.size()); }

const char* rr_type_name(uint16_t t) {
    switch (t) {
    case kDnsTypeA: return "A";
    case kDnsTypeAaaa: return "AAAA";
    case kDnsTypeCname: return "CNAME";
    case kDnsTypePtr: return "PTR";
    case kDnsTypeSrv: return "SRV";
    default: return nullptr;
    }
}

std::string type_text(uint16_t t) {
    const char* n = rr_type_name(t);
    return n != nullptr ? n : std::to_string(t);
}

std::string rcode_text(uint8_t rcode) {
    static const char* names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
    return rcode < 6 ? names[rcode] : std::to_string(rcode);
}

const char* dhcpv6_type_name(uint8_t t) {
    static const char* names[] = {"?",      "solicit", "advertise", "request", "confirm",     "renew",
                                  "rebind", "reply",   "release",   "decline", "reconfigure", "information-request"};
    return t < 12 ? names[t] : "other";
}

bool zero(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != 0) return false;
    return true;
}

// An event about `mac`, learnt from the frame of `info`, with its body.
template <typename Body>
proto::Event event(const FrameInfo& info, const uint8_t* mac, Body body) {
    proto::Event e;
    e.time = static_cast<double>(info.time_us) / 1e6;
    e.mac = proto::format_mac(mac);
    e.side = info.side == 0 ? "lan" : "wan";
    e.body = std::move(body);
    return e;
}

proto::Event dns_event(const DnsMessage& m, const std::vector<DnsBinding>& learnt, const FrameInfo& info,
                       const uint8_t* device) {
    proto::DnsEvent d;
    d.query = m.questions.empty() ? "" : m.questions[0].name;
    d.qtype = m.questions.empty() ? "" : type_text(m.questions[0].type);
    d.rcode = rcode_text(m.rcode);
    for (const auto& a : m.answers) {
        proto::DnsAnswer x{a.name, type_text(a.type), "", a.ttl};
        if (a.ip_version != 0) x.address = proto::format_ip(a.addr.data(), a.ip_version);
        if (a.type == kDnsTypeCname) x.address = a.cname;
        if (a.type == kDnsTypePtr) x.address = a.target;
        d.answers.push_back(std::move(x));
    }
    for (const auto& b : learnt)
        d.bindings.push_back({b.name, proto::format_ip(b.addr.data(), b.ip_version), b.ttl,
                              static_cast<double>(info.time_us) / 1e6 + b.ttl, b.via});
    return event(info, device, std::move(d));
}

}  // namespace

bool EventBuilder::new_binding(const uint8_t* mac, uint8_t ip_version, const uint8_t* addr, uint64_t now_us) {
    std::string key(reinterpret_cast<const char*>(mac), 6);
    key.append(reinterpret_cast<const char*>(addr), ip_version == 4 ? 4 : 16);
    auto it = bindings_.find(key);
    if (it != bindings_.end() && now_us < it->second + kBindingRepeatUs && now_us >= it->second) return false;
    if (it == bindings_.end() && bindings_.size() >= kMaxBindings) bindings_.clear();  // bound memory
    bindings_[key] = now_us;
    return true;
}

// The network side: the WAN port in a bridge; in monitor mode a sender the
// classifier does not place on the LAN, or a configured resolver.
bool EventBuilder::from_network(const Frame& f) const {
    if (!f.info.src_is_lan) return true;
    if (!trust_.monitor || f.p.ip_version == 0) return false;
    for (const auto& r : trust_.resolvers)
        if (r.contains(f.p.src, f.p.ip_version)) return true;
    return false;
}

void EventBuilder::answered(const PendingAnswer& a, std::vector<proto::Event>& out) {
    const auto learnt = dns_bindings(a.message);
    out.push_back(dns_event(a.message, learnt, a.info, a.device.data()));
    if (dns_hook_) dns_hook_(a.device, learnt, a.info.time_us);
}

std::string EventBuilder::dns(const Frame& f, std::vector<proto::Event>& out) {
    std::vector<DnsMessage> msgs;
    std::string err;
    if (f.payload.tcp) {
        err = parse_dns_tcp(f.payload.data, f.payload.len, msgs);
    } else {
        msgs.emplace_back();
        err = parse_dns(f.payload.data, f.payload.len, msgs.back());
        if (!err.empty()) msgs.clear();
    }
    const uint64_t now = f.info.time_us;
    const uint64_t arrived = clock_ ? clock_()
                                    : static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                                std::chrono::steady_clock::now().time_since_epoch())
                                                                .count());
    if (arrived >= last_expiry_us_ + 1'000'000) {
        matcher_.expire(arrived);
        last_expiry_us_ = arrived;
    }
    KindCounters& c = counters_[static_cast<unsigned>(dp::SlowKind::dns)];
    const bool network = from_network(f);
    for (auto& m : msgs) {  // the messages before a bad one of a TCP stream still count
        if (f.p.ip_version == 0 || !f.p.has_ports) break;
        DnsExchange x;
        x.ip_version = f.p.ip_version;
        x.id = m.id;
        x.question = m.questions.empty() ? "" : m.questions[0].name;
        if (!m.response) {
            if (network) continue;  // a query towards the home: nothing of a device's
            std::memcpy(x.device.data(), f.p.src_mac, 6);
            std::memcpy(x.client.data(), f.p.src, 16);
            std::memcpy(x.server.data(), f.p.dst, 16);
            x.client_port = f.p.sport;
            std::vector<PendingAnswer> released;
            matcher_.query(x, now, arrived, released);
            for (const auto& a : released) answered(a, out);
            continue;
        }
        if (!network) {  // an "answer" from inside the home: forged, or no business of SPIN's
            ++c.untrusted;
            continue;
        }
        std::memcpy(x.device.data(), f.p.dst_mac, 6);
        std::memcpy(x.client.data(), f.p.dst, 16);
        std::memcpy(x.server.data(), f.p.src, 16);
        x.client_port = f.p.dport;
        PendingAnswer a{std::move(m), f.info, x.device};
        if (matcher_.answer(x, now, arrived, a)) answered(a, out);
    }
    return err;
}

std::string EventBuilder::mdns(const Frame& f, std::vector<proto::Event>& out) {
    DnsMessage m;
    if (auto err = parse_dns(f.payload.data, f.payload.len, m); !err.empty()) return err;
    const auto names = mdns_names(m);
    if (names.empty()) return {};
    proto::MdnsEvent e{proto::format_ip(f.p.src, f.p.ip_version), names.hostnames, {}};
    for (const auto& s : names.services) e.services.push_back({s.type, s.instance});
    out.push_back(event(f.info, f.p.src_mac, std::move(e)));
    return {};
}

std::string EventBuilder::dhcp(const Frame& f, std::vector<proto::Event>& out) {
    DhcpMessage m;
    if (auto err = parse_dhcp(f.payload.data, f.payload.len, m); !err.empty()) return err;
    // Who may speak for chaddr: the client itself from the LAN, a server from
    // the network side to it (or broadcast).  Anything else is a device
    // claiming another's identity, or a rogue server in the home.
    const char* mismatch = nullptr;
    const bool network = from_network(f);
    if (m.op == 1 && network)
        mismatch = "client message from the network side";
    else if (m.op == 1 && std::memcmp(f.p.src_mac, m.client_mac.data(), 6) != 0)
        mismatch = "client hardware address is not the sender";
    else if (m.op == 2 && !network)
        mismatch = "server message from the LAN side";
    else if (m.op == 2 && std::memcmp(f.p.dst_mac, m.client_mac.data(), 6) != 0 && !MacAddress::is_group(f.p.dst_mac))
        mismatch = "server message to another hardware address";
    if (mismatch != nullptr) {
        ++counters_[static_cast<unsigned>(dp::SlowKind::dhcp)].untrusted;
        out.push_back(event(f.info, f.lan_device,
                            proto::DhcpMismatchEvent{dhcp_message_type_name(m.message_type),
                                                     proto::format_mac(m.client_mac.data()), mismatch}));
        return {};
    }
    if (m.op == 2 && service_hook_ && (m.message_type == 2 || m.message_type == 5)) {
        ServiceNews news;
        for (const auto& d : m.dns_servers) news.resolvers.push_back(IpPrefix::host(4, d.data()));
        if (m.server_id) news.dhcp_servers.push_back(IpPrefix::host(4, m.server_id->data()));
        news.dhcp_servers.push_back(IpPrefix::host(4, f.p.src));
        service_hook_(news);
    }
    proto::DhcpEvent e;
    e.message = dhcp_message_type_name(m.message_type);
    e.hostname = m.hostname;
    e.vendor_class = m.vendor_class;
    e.param_list = m.fingerprint();
    e.client_id = hex(m.client_id);
    e.mud_url = m.mud_url;
    if (!zero(m.yiaddr.data(), 4))
        e.ip = proto::format_ip(m.yiaddr.data(), 4);
    else if (m.requested_ip)
        e.ip = proto::format_ip(m.requested_ip->data(), 4);
    else if (!zero(m.ciaddr.data(), 4))
        e.ip = proto::format_ip(m.ciaddr.data(), 4);
    if (m.lease_seconds) e.lease_seconds = *m.lease_seconds;
    if (m.server_id) e.server_id = proto::format_ip(m.server_id->data(), 4);
    out.push_back(event(f.info, m.client_mac.data(), std::move(e)));
    return {};
}

std::string EventBuilder::dhcpv6(const Frame& f, std::vector<proto::Event>& out) {
    Dhcpv6Message m;
    if (auto err = parse_dhcpv6(f.payload.data, f.payload.len, m); !err.empty()) return err;
    // Servers answer from the network side, clients ask from the LAN.
    const bool server = m.type == 2 || m.type == 7 || m.type == 10;
    if (server != from_network(f)) {
        ++counters_[static_cast<unsigned>(dp::SlowKind::dhcpv6)].untrusted;
        return {};
    }
    if (server && m.type != 10 && service_hook_) {
        ServiceNews news;
        for (const auto& d : m.dns_servers) news.resolvers.push_back(IpPrefix::host(6, d.data()));
        news.dhcp_servers.push_back(IpPrefix::host(6, f.p.src));
        service_hook_(news);
    }
    proto::Dhcpv6Event e{dhcpv6_type_name(m.type), hex(m.client_duid), m.fqdn, m.mud_url, {}};
    for (const auto& a : m.addresses) e.ips.push_back(proto::format_ip(a.data(), 6));
    out.push_back(event(f.info, f.lan_device, std::move(e)));
    return {};
}

std::string EventBuilder::neighbours(const Frame& f, const std::vector<NeighbourBinding>& bindings, const char* via,
                                     std::vector<proto::Event>& out) {
    for (const auto& b : bindings) {
        if (!new_binding(b.mac.data(), b.ip_version, b.addr.data(), f.info.time_us)) continue;
        out.push_back(
            event(f.info, b.mac.data(), proto::NeighbourEvent{proto::format_ip(b.addr.data(), b.ip_version), via}));
    }
    return {};
}

std::string EventBuilder::arp(const Frame& f, std::vector<proto::Event>& out) {
    ArpMessage m;
    if (auto err = parse_arp(f.payload.data, f.payload.len, m); !err.empty()) return err;
    return neighbours(f, arp_bindings(m), "arp", out);
}

std::string EventBuilder::nd(const Frame& f, std::vector<proto::Event>& out) {
    NdMessage m;
    if (auto err = parse_nd(f.payload.data, f.payload.len, m); !err.empty()) return err;
    return neighbours(f, nd_bindings(m, f.p.src), "nd", out);
}

std::string EventBuilder::ssdp(const Frame& f, std::vector<proto::Event>& out) {
    SsdpMessage m;
    if (auto err = parse_ssdp(f.payload.data, f.payload.len, m); !err.empty()) return err;
    out.push_back(event(f.info, f.p.src_mac,
                        proto::SsdpEvent{proto::format_ip(f.p.src, f.p.ip_version), m.method, m.server, m.type, m.nts,
                                         m.usn, m.location}));
    return {};
}

std::string EventBuilder::lldp(const Frame& f, std::vector<proto::Event>& out) {
    LldpMessage m;
    if (auto err = parse_lldp(f.payload.data, f.payload.len, m); !err.empty()) return err;
    out.push_back(event(f.info, f.p.src_mac, proto::LldpEvent{m.system_name, hex(m.chassis_id), m.mud_url}));
    return {};
}

// Every protocol of the slow path, once: the function that turns its frames
// into events.  Which frames are a protocol's is the dataplane's
// classify_slow (dataplane/slow_path.h), where its bytes start is
// locate_payload (slow_frame.cpp).
const EventBuilder::Protocol EventBuilder::kProtocols[] = {
    {dp::SlowKind::dns, &EventBuilder::dns},   {dp::SlowKind::mdns, &EventBuilder::mdns},
    {dp::SlowKind::dhcp, &EventBuilder::dhcp}, {dp::SlowKind::dhcpv6, &EventBuilder::dhcpv6},
    {dp::SlowKind::ssdp, &EventBuilder::ssdp}, {dp::SlowKind::arp, &EventBuilder::arp},
    {dp::SlowKind::nd, &EventBuilder::nd},     {dp::SlowKind::lldp, &EventBuilder::lldp},
};

std::string EventBuilder::build(const uint8_t* frame, size_t len, const FrameInfo& info,
                                std::vector<proto::Event>& out) {
    KindCounters& c = counters_[static_cast<unsigned>(info.kind)];
    ++c.frames;
    const size_t before = out.size();
    auto fail = [&](const std::string& why) {
        ++c.errors;
        return why;
    };
    const Protocol* protocol = nullptr;
    for (const Protocol& candidate : kProtocols)
        if (candidate.kind == info.kind) protocol = &candidate;
    if (protocol == nullptr) return fail("not a slow-path frame");
    dp::ParsedPacket p{};
    dp::parse_packet(frame, static_cast<uint32_t>(len), p);
    if (dp::classify_slow(p) != info.kind) return fail("frame does not parse as the worker classified it");
    SlowPayload payload;
    if (auto err = locate_payload(frame, len, p, info.kind, payload); !err.empty()) return fail(err);
    const Frame f{p, payload, info, info.src_is_lan ? p.src_mac : p.dst_mac};
    const std::string err = (this->*protocol->build)(f, out);
    c.events += out.size() - before;
    if (!err.empty()) return fail(err);
    if (out.size() == before) ++c.quiet;
    return {};
}

}  // namespace spin::slowpath
