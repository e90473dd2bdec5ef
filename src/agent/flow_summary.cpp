#include "agent/flow_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include "proto/flow_record_json.h"

namespace spin::agent {

namespace {
std::string proto_name(uint8_t p) {
    switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    default: return std::to_string(p);
    }
}

bool bigger(const proto::FlowRecord& a, const proto::FlowRecord& b) {
    return a.bytes_out + a.bytes_in > b.bytes_out + b.bytes_in;
}
}  // namespace

void FlowSummary::add(const proto::FlowRecord& r) {
    if (static_cast<proto::FlowEvent>(r.event) != proto::FlowEvent::end) return;
    auto& d = devices_[proto::format_mac(r.mac)];
    d.flows += 1;
    d.pkts_out += r.pkts_out;
    d.bytes_out += r.bytes_out;
    d.pkts_in += r.pkts_in;
    d.bytes_in += r.bytes_in;
    d.blocked += r.blocked_pkts;
    d.protos[r.proto] += 1;
    // Keep the largest flows for the listing, bounded so a big replay stays cheap.
    top_.push_back(r);
    if (top_.size() > 4 * kTopFlows) trim();
}

void FlowSummary::trim() {
    std::nth_element(top_.begin(), top_.begin() + kTopFlows, top_.end(), bigger);
    top_.resize(kTopFlows);
}

void FlowSummary::print() const {
    fmt::print("\nDevices seen (LAN-side MAC):\n");
    fmt::print("  {:<17} {:>6} {:>9} {:>11} {:>9} {:>11} {:>8}  protocols (flows)\n", "mac", "flows", "pkts_out",
               "bytes_out", "pkts_in", "bytes_in", "blocked");
    for (const auto& [mac, d] : devices_) {
        std::string protos;
        for (const auto& [p, n] : d.protos)
            protos += fmt::format("{}{}:{}", protos.empty() ? "" : " ", proto_name(p), n);
        fmt::print("  {:<17} {:>6} {:>9} {:>11} {:>9} {:>11} {:>8}  {}\n", mac.empty() ? "(none)" : mac, d.flows,
                   d.pkts_out, d.bytes_out, d.pkts_in, d.bytes_in, d.blocked, protos);
    }
    auto top = top_;
    std::sort(top.begin(), top.end(), bigger);
    if (top.size() > kTopFlows) top.resize(kTopFlows);
    fmt::print("\nLargest flows ({} shown):\n", top.size());
    fmt::print("  {:<17} {:<6} {:<42} {:<42} {:<9} {:>6} {:>9} {:>6} {:>9} {:<6}\n", "mac", "proto", "lan", "remote",
               "initiator", "p_out", "b_out", "p_in", "b_in", "flags");
    for (const auto& r : top) {
        auto ep = [&](const uint8_t* ip, uint16_t port) {
            const auto a = proto::format_ip(ip, r.ip_version);
            return r.ip_version == 6 ? fmt::format("[{}]:{}", a, port) : fmt::format("{}:{}", a, port);
        };
        const auto mac = proto::format_mac(r.mac);
        fmt::print("  {:<17} {:<6} {:<42} {:<42} {:<9} {:>6} {:>9} {:>6} {:>9} {:<6}\n", mac.empty() ? "(none)" : mac,
                   proto_name(r.proto), ep(r.lan_ip, r.lan_port), ep(r.remote_ip, r.remote_port),
                   proto::to_string(static_cast<proto::Initiator>(r.initiator)), r.pkts_out, r.bytes_out, r.pkts_in,
                   r.bytes_in, proto::format_tcp_flags(r.tcp_flags));
    }
}

}  // namespace spin::agent
