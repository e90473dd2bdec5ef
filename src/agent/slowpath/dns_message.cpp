#include "agent/slowpath/dns_message.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace spin::slowpath {

namespace {

constexpr size_t kHeader = 12;
constexpr int kMaxPointers = 32;     // more jumps than any honest name needs
constexpr size_t kMaxName = 255;     // RFC 1035 2.3.4
constexpr size_t kMaxRecords = 512;  // per section: bounds work on hostile counts
constexpr size_t kMaxChain = 16;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }

// Reads a possibly compressed name at `pos`; on success `pos` is just past it
// in the original (uncompressed) position.
std::string read_name(const uint8_t* m, size_t len, size_t& pos, std::string& name) {
    name.clear();
    size_t p = pos;
    bool jumped = false;
    size_t wire = 0;
    for (int jumps = 0;;) {
        if (p >= len) return "name runs past the end of the message";
        const uint8_t c = m[p];
        if ((c & 0xc0) == 0xc0) {
            if (p + 1 >= len) return "compression pointer cut short";
            const size_t target = static_cast<size_t>(c & 0x3f) << 8 | m[p + 1];
            // Pointers must go backwards: that alone rules out loops, and the
            // jump limit bounds the work on long backward chains.
            if (target >= p) return fmt::format("compression pointer at {} points forward to {}", p, target);
            if (++jumps > kMaxPointers) return "too many compression pointers";
            if (!jumped) pos = p + 2;
            jumped = true;
            p = target;
            continue;
        }
        if ((c & 0xc0) != 0) return fmt::format("label type 0x{:02x} is not supported", c & 0xc0);
        if (c == 0) {
            if (!jumped) pos = p + 1;
            return {};
        }
        if (p + 1 + c > len) return "label runs past the end of the message";
        wire += c + 1;
        if (wire > kMaxName) return "name longer than 255 bytes";
        if (!name.empty()) name += '.';
        for (size_t i = p + 1; i <= p + c; ++i) {
            const uint8_t ch = m[i];
            if (ch >= 'A' && ch <= 'Z')
                name += static_cast<char>(ch - 'A' + 'a');
            else if ((ch >= 0x20 && ch != 0x7f && ch != '.' && ch != '\\'))
                name += static_cast<char>(ch);  // DNS-SD instance names hold spaces and UTF-8
            else
                name += fmt::format("\\{:03d}", ch);
        }
        p += 1 + c;
    }
}

// Reads one resource record at `pos` and moves `pos` past it.
std::string read_record(const uint8_t* m, size_t len, size_t& pos, DnsAnswer& a) {
    if (auto err = read_name(m, len, pos, a.name); !err.empty()) return err;
    if (pos + 10 > len) return "record header cut short";
    a.type = be16(m + pos);
    a.ttl = be32(m + pos + 4);
    const size_t rdlen = be16(m + pos + 8);
    pos += 10;
    if (pos + rdlen > len) return "record data runs past the end of the message";
    size_t p = pos;
    const size_t end = pos + rdlen;
    switch (a.type) {
    case kDnsTypeA:
        if (rdlen != 4) return fmt::format("A record of {} bytes", rdlen);
        a.ip_version = 4;
        std::memcpy(a.addr.data(), m + pos, 4);
        break;
    case kDnsTypeAaaa:
        if (rdlen != 16) return fmt::format("AAAA record of {} bytes", rdlen);
        a.ip_version = 6;
        std::memcpy(a.addr.data(), m + pos, 16);
        break;
    case kDnsTypeCname:
        if (auto err = read_name(m, end, p, a.cname); !err.empty()) return "CNAME: " + err;
        break;
    case kDnsTypePtr:
        if (auto err = read_name(m, end, p, a.target); !err.empty()) return "PTR: " + err;
        break;
    case kDnsTypeSrv:
        if (rdlen < 7) return fmt::format("SRV record of {} bytes", rdlen);
        a.port = be16(m + pos + 4);
        p = pos + 6;
        if (auto err = read_name(m, end, p, a.target); !err.empty()) return "SRV: " + err;
        break;
    default: break;
    }
    pos = end;
    return {};
}

}  // namespace

std::string parse_dns(const uint8_t* m, size_t len, DnsMessage& out) {
    out = DnsMessage{};
    if (len < kHeader) return fmt::format("{} bytes is shorter than a DNS header", len);
    out.id = be16(m);
    const uint16_t flags = be16(m + 2);
    out.response = flags & 0x8000;
    out.truncated = flags & 0x0200;
    out.rcode = flags & 0x000f;
    const size_t qd = be16(m + 4), an = be16(m + 6);
    if (qd > kMaxRecords || an > kMaxRecords) return fmt::format("{} questions / {} answers: implausible", qd, an);
    size_t pos = kHeader;
    for (size_t i = 0; i < qd; ++i) {
        DnsQuestion q;
        if (auto err = read_name(m, len, pos, q.name); !err.empty()) return "question: " + err;
        if (pos + 4 > len) return "question cut short";
        q.type = be16(m + pos);
        pos += 4;
        out.questions.push_back(std::move(q));
    }
    for (size_t i = 0; i < an; ++i) {
        DnsAnswer a;
        if (auto err = read_record(m, len, pos, a); !err.empty()) return "answer: " + err;
        out.answers.push_back(std::move(a));
    }
    const size_t more = size_t{be16(m + 8)} + be16(m + 10);
    for (size_t i = 0; i < more && i < kMaxRecords; ++i) {
        DnsAnswer a;
        if (!read_record(m, len, pos, a).empty()) break;
        out.additional.push_back(std::move(a));
    }
    return {};
}

std::string parse_dns_tcp(const uint8_t* data, size_t len, std::vector<DnsMessage>& out) {
    size_t pos = 0;
    while (pos < len) {
        if (len - pos < 2) return "TCP length prefix cut short";
        const size_t n = be16(data + pos);
        pos += 2;
        if (len - pos < n) return fmt::format("TCP message of {} bytes, {} present", n, len - pos);
        DnsMessage m;
        if (auto err = parse_dns(data + pos, n, m); !err.empty()) return err;
        out.push_back(std::move(m));
        pos += n;
    }
    return {};
}

std::vector<DnsBinding> dns_bindings(const DnsMessage& m) {
    std::vector<DnsBinding> out;
    if (!m.response || m.rcode != 0) return out;
    for (const auto& q : m.questions) {
        // Follow CNAMEs from the asked name, then collect its addresses.
        std::string name = q.name;
        std::vector<std::string> via;
        uint32_t ttl = UINT32_MAX;
        for (size_t hop = 0; hop < kMaxChain; ++hop) {
            auto c = std::find_if(m.answers.begin(), m.answers.end(),
                                  [&](const DnsAnswer& a) { return a.type == kDnsTypeCname && a.name == name; });
            if (c == m.answers.end()) break;
            ttl = std::min(ttl, c->ttl);
            name = c->cname;
            if (std::find(via.begin(), via.end(), name) != via.end() || name == q.name) break;  // CNAME loop
            via.push_back(name);
        }
        for (const auto& a : m.answers) {
            if (a.ip_version == 0 || a.name != name) continue;
            DnsBinding b;
            b.name = q.name;
            b.via = via;
            b.ip_version = a.ip_version;
            b.addr = a.addr;
            b.ttl = std::min(ttl, a.ttl);
            out.push_back(std::move(b));
        }
    }
    return out;
}

}  // namespace spin::slowpath
