#include "controller/export/ipfix_message.h"

#include <array>
#include <stdexcept>

namespace spin::controller::ipfix {

namespace {

// IANA's information elements (https://www.iana.org/assignments/ipfix).
enum Ie : uint16_t {
    octetDeltaCount = 1,
    packetDeltaCount = 2,
    protocolIdentifier = 4,
    tcpControlBits = 6,
    icmpTypeCodeIPv4 = 32,
    sourceTransportPort = 7,
    sourceIPv4Address = 8,
    destinationTransportPort = 11,
    destinationIPv4Address = 12,
    sourceIPv6Address = 27,
    destinationIPv6Address = 28,
    sourceMacAddress = 56,
    vlanId = 58,
    destinationMacAddress = 80,
    icmpTypeCodeIPv6 = 139,
    droppedPacketDeltaCount = 133,
    flowEndReason = 136,
    flowStartMilliseconds = 152,
    flowEndMilliseconds = 153,
    biflowDirection = 239,
};

// RFC 5103's biflowDirection, and RFC 7011's flowEndReason.
enum : uint8_t { kInitiator = 1, kPerimeter = 3 };
enum : uint8_t { kIdle = 1, kActive = 2, kEndDetected = 3, kForced = 4, kLackOfResources = 5 };

// The same fields in every template; what differs is the addresses' type
// and which MAC field holds the device's.
constexpr std::array<Field, 18> fields(uint16_t src_addr, uint16_t dst_addr, uint16_t addr_len, uint16_t mac,
                                       uint16_t icmp) {
    return {{{flowStartMilliseconds, 8},
             {flowEndMilliseconds, 8},
             {src_addr, addr_len},
             {dst_addr, addr_len},
             {sourceTransportPort, 2},
             {destinationTransportPort, 2},
             {protocolIdentifier, 1},
             {tcpControlBits, 2},
             {octetDeltaCount, 8},
             {packetDeltaCount, 8},
             {octetDeltaCount, 8, kReversePen},
             {packetDeltaCount, 8, kReversePen},
             {droppedPacketDeltaCount, 8},
             {mac, 6},
             {vlanId, 2},
             {flowEndReason, 1},
             {biflowDirection, 1},
             {icmp, 2}}};
}

constexpr auto kV4LanFirst = fields(sourceIPv4Address, destinationIPv4Address, 4, sourceMacAddress, icmpTypeCodeIPv4);
constexpr auto kV4RemoteFirst =
    fields(sourceIPv4Address, destinationIPv4Address, 4, destinationMacAddress, icmpTypeCodeIPv4);
constexpr auto kV6LanFirst = fields(sourceIPv6Address, destinationIPv6Address, 16, sourceMacAddress, icmpTypeCodeIPv6);
constexpr auto kV6RemoteFirst =
    fields(sourceIPv6Address, destinationIPv6Address, 16, destinationMacAddress, icmpTypeCodeIPv6);

constexpr TemplateId kTemplates[] = {v4_lan_first, v4_remote_first, v6_lan_first, v6_remote_first};

void put8(std::vector<uint8_t>& b, uint8_t v) { b.push_back(v); }
void put16(std::vector<uint8_t>& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
    put16(b, static_cast<uint16_t>(v >> 16));
    put16(b, static_cast<uint16_t>(v));
}
void put64(std::vector<uint8_t>& b, uint64_t v) {
    put32(b, static_cast<uint32_t>(v >> 32));
    put32(b, static_cast<uint32_t>(v));
}
void set16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}
void set32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    set16(b, at, static_cast<uint16_t>(v >> 16));
    set16(b, at + 2, static_cast<uint16_t>(v));
}

uint8_t end_reason(const proto::FlowRecord& r) {
    if (r.event != static_cast<uint8_t>(proto::FlowEvent::end)) return kActive;  // the flow goes on
    switch (static_cast<proto::EndReason>(r.end_reason)) {
    case proto::EndReason::idle: return kIdle;
    case proto::EndReason::fin:
    case proto::EndReason::rst: return kEndDetected;
    case proto::EndReason::evict: return kLackOfResources;
    default: return kForced;  // the agent stopped (exit), or it did not say
    }
}

size_t template_set_size() {
    size_t n = kSetHeaderSize;
    for (const TemplateId id : kTemplates) {
        n += 4;
        for (const Field& f : template_fields(id)) n += f.enterprise != 0 ? 8 : 4;
    }
    return n;
}

}  // namespace

std::span<const Field> template_fields(TemplateId id) {
    switch (id) {
    case v4_lan_first: return kV4LanFirst;
    case v4_remote_first: return kV4RemoteFirst;
    case v6_lan_first: return kV6LanFirst;
    case v6_remote_first: return kV6RemoteFirst;
    }
    throw std::logic_error("no such IPFIX template");
}

size_t record_size(TemplateId id) {
    size_t n = 0;
    for (const Field& f : template_fields(id)) n += f.length;
    return n;
}

TemplateId template_for(const proto::FlowRecord& r) {
    const bool remote_first = r.initiator == static_cast<uint8_t>(proto::Initiator::remote);
    if (r.ip_version == 6) return remote_first ? v6_remote_first : v6_lan_first;
    return remote_first ? v4_remote_first : v4_lan_first;
}

MessageBuilder::MessageBuilder(uint32_t observation_domain, size_t max_size)
    : domain_(observation_domain), max_size_(max_size) {
    if (max_size_ < kHeaderSize + template_set_size())
        throw std::invalid_argument("an IPFIX message must hold at least the templates");
    bytes_.resize(kHeaderSize);
}

void MessageBuilder::add_templates() {
    if (!empty()) throw std::logic_error("IPFIX templates go first in a message");
    const size_t start = bytes_.size();
    put16(bytes_, kTemplateSetId);
    put16(bytes_, 0);
    for (const TemplateId id : kTemplates) {
        const auto fields = template_fields(id);
        put16(bytes_, id);
        put16(bytes_, static_cast<uint16_t>(fields.size()));
        for (const Field& f : fields) {
            put16(bytes_, f.enterprise != 0 ? static_cast<uint16_t>(f.id | 0x8000) : f.id);
            put16(bytes_, f.length);
            if (f.enterprise != 0) put32(bytes_, f.enterprise);
        }
    }
    set16(bytes_, start + 2, static_cast<uint16_t>(bytes_.size() - start));
}

bool MessageBuilder::add_record(const proto::FlowRecord& r, const nmf::TrafficCounters& delta) {
    const TemplateId id = template_for(r);
    const size_t need = record_size(id) + (set_id_ == id ? 0 : kSetHeaderSize);
    if (bytes_.size() + need > max_size_) return false;
    if (set_id_ != id) {
        close_set();
        set_start_ = bytes_.size();
        set_id_ = id;
        put16(bytes_, id);
        put16(bytes_, 0);
    }
    const bool lan_first = id == v4_lan_first || id == v6_lan_first;
    const size_t addr_len = r.ip_version == 6 ? 16 : 4;
    const uint8_t* src = lan_first ? r.lan_ip : r.remote_ip;
    const uint8_t* dst = lan_first ? r.remote_ip : r.lan_ip;
    put64(bytes_, r.first_us / 1000);
    put64(bytes_, r.last_us / 1000);
    bytes_.insert(bytes_.end(), src, src + addr_len);
    bytes_.insert(bytes_.end(), dst, dst + addr_len);
    put16(bytes_, lan_first ? r.lan_port : r.remote_port);
    put16(bytes_, lan_first ? r.remote_port : r.lan_port);
    put8(bytes_, r.proto);
    put16(bytes_, r.proto == 6 ? r.tcp_flags : 0);
    put64(bytes_, lan_first ? delta.bytes_out : delta.bytes_in);
    put64(bytes_, lan_first ? delta.pkts_out : delta.pkts_in);
    put64(bytes_, lan_first ? delta.bytes_in : delta.bytes_out);
    put64(bytes_, lan_first ? delta.pkts_in : delta.pkts_out);
    put64(bytes_, delta.blocked_pkts);
    bytes_.insert(bytes_.end(), r.mac, r.mac + 6);
    put16(bytes_, r.vlan);
    put8(bytes_, end_reason(r));
    put8(bytes_, r.initiator == static_cast<uint8_t>(proto::Initiator::unknown) ? kPerimeter : kInitiator);
    // The agent keeps an ICMP flow's first type, not its code: the code goes as 0.
    const bool icmp = (r.proto == 1 || r.proto == 58) && r.icmp_type != proto::kNoIcmpType;
    put16(bytes_, icmp ? static_cast<uint16_t>(r.icmp_type << 8) : 0);
    ++records_;
    return true;
}

void MessageBuilder::close_set() {
    if (set_id_ == 0) return;
    set16(bytes_, set_start_ + 2, static_cast<uint16_t>(bytes_.size() - set_start_));
    set_id_ = 0;
}

std::vector<uint8_t> MessageBuilder::finish(uint32_t export_time, uint32_t sequence) {
    close_set();
    set16(bytes_, 0, kVersion);
    set16(bytes_, 2, static_cast<uint16_t>(bytes_.size()));
    set32(bytes_, 4, export_time);
    set32(bytes_, 8, sequence);
    set32(bytes_, 12, domain_);
    std::vector<uint8_t> out;
    out.swap(bytes_);
    bytes_.resize(kHeaderSize);
    records_ = 0;
    return out;
}

}  // namespace spin::controller::ipfix
