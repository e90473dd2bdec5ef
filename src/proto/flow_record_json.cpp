#include "proto/flow_record_json.h"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/mac_address.h"

namespace spin::proto {

std::string format_mac(const uint8_t m[6]) {
    const MacAddress mac(m);
    return mac.is_zero() ? std::string{} : mac.to_string();
}

std::string format_ip(const uint8_t addr[16], int ip_version) {
    if (ip_version != 6) {
        // By hand: glibc's inet_ntop formats IPv4 with sprintf, thousands of
        // instructions an address, and a DNS answer flood formats millions.
        char buf[16];
        char* p = buf;
        for (int i = 0; i < 4; ++i) {
            const unsigned v = addr[i];
            if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
            if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
            *p++ = static_cast<char>('0' + v % 10);
            if (i != 3) *p++ = '.';
        }
        return std::string(buf, p);
    }
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, addr, buf, sizeof buf) == nullptr) return {};
    return buf;
}

std::string format_hex(const uint8_t* data, size_t len) {
    static const char digits[] = "0123456789abcdef";
    std::string s(2 * len, '0');
    for (size_t i = 0; i < len; ++i) {
        s[2 * i] = digits[data[i] >> 4];
        s[2 * i + 1] = digits[data[i] & 15];
    }
    return s;
}

std::string format_tcp_flags(uint8_t f) {
    std::string s;
    if (f & tcp_flag::syn) s += 'S';
    if (f & tcp_flag::ack) s += 'A';
    if (f & tcp_flag::fin) s += 'F';
    if (f & tcp_flag::psh) s += 'P';
    if (f & tcp_flag::rst) s += 'R';
    if (f & tcp_flag::urg) s += 'U';
    return s;
}

std::string json_quote(std::string_view s) {
    return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string flow_record_to_json(const FlowRecord& r, std::string_view agent, std::string_view rule) {
    const double first = static_cast<double>(r.first_us) / 1e6;
    const double last = static_cast<double>(r.last_us) / 1e6;
    std::string out = fmt::format(
        "{{\"agent\":{},\"event\":\"{}\",\"mac\":\"{}\",\"vlan\":{},\"proto\":{},"
        "\"lan_ip\":\"{}\",\"lan_port\":{},\"remote_ip\":\"{}\",\"remote_port\":{},"
        "\"initiator\":\"{}\",\"first\":{:.6f},\"last\":{:.6f},"
        "\"pkts_out\":{},\"bytes_out\":{},\"pkts_in\":{},\"bytes_in\":{},"
        "\"blocked_pkts\":{},\"blocked_bytes\":{},\"rule\":{},\"tcp_flags\":\"{}\"",
        json_quote(agent), to_string(static_cast<FlowEvent>(r.event)), format_mac(r.mac), r.vlan, r.proto,
        format_ip(r.lan_ip, r.ip_version), r.lan_port, format_ip(r.remote_ip, r.ip_version), r.remote_port,
        to_string(static_cast<Initiator>(r.initiator)), first, last, r.pkts_out, r.bytes_out, r.pkts_in, r.bytes_in,
        r.blocked_pkts, r.blocked_bytes, json_quote(rule), format_tcp_flags(r.tcp_flags));
    if (r.icmp_type != kNoIcmpType) out += fmt::format(",\"icmp_type\":{}", r.icmp_type);
    if (static_cast<FlowEvent>(r.event) == FlowEvent::end)
        out += fmt::format(",\"end_reason\":\"{}\"", to_string(static_cast<EndReason>(r.end_reason)));
    // Only for devices held to a MUD policy, so other flows read as before.
    if (r.mud_out != 0 || r.mud_in != 0) out += fmt::format(",\"mud_out\":{},\"mud_in\":{}", r.mud_out, r.mud_in);
    out += fmt::format(",\"worker\":{}}}", r.worker);
    return out;
}

}  // namespace spin::proto
