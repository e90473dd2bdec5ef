// IPFIX messages (RFC 7011) carrying SPIN's flows as biflows (RFC 5103):
// one record per agent record that brought new packets, with the counts
// since the flow's previous record (delta counters), so that a collector
// summing a flow's records gets the agent's totals.
//
// Four templates, so that every field a record carries is true: IPv4 or
// IPv6, and the side the flow's initiator is on (the LAN device's MAC is the
// source MAC when the device began the flow, the destination MAC when the
// remote did).  An unknown initiator puts the LAN side first and says so
// with biflowDirection "perimeter" (the source is inside the home).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "nmf/store/traffic.h"
#include "proto/flow_record.h"

namespace spin::controller::ipfix {

inline constexpr uint16_t kVersion = 10;
inline constexpr uint16_t kTemplateSetId = 2;
inline constexpr uint32_t kReversePen = 29305;  // RFC 5103: reverse information elements
inline constexpr size_t kHeaderSize = 16, kSetHeaderSize = 4;

enum TemplateId : uint16_t { v4_lan_first = 256, v4_remote_first = 257, v6_lan_first = 258, v6_remote_first = 259 };

struct Field {
    uint16_t id;  // information element, without the enterprise bit
    uint16_t length;
    uint32_t enterprise = 0;  // 0: IANA's
};

// The fields of a template, in record order.
std::span<const Field> template_fields(TemplateId id);
// Bytes of one data record of the template.
size_t record_size(TemplateId id);

// The template a flow record is exported under.
TemplateId template_for(const proto::FlowRecord& r);

// Builds one message at a time: header, then an optional template set, then
// data sets (a new set whenever the template changes).
class MessageBuilder {
public:
    MessageBuilder(uint32_t observation_domain, size_t max_size);

    // A template set with the four templates; only into an empty message.
    void add_templates();
    // Appends one record; false (nothing appended) when it does not fit.
    bool add_record(const proto::FlowRecord& r, const nmf::TrafficCounters& delta);

    bool empty() const { return bytes_.size() == kHeaderSize; }
    size_t records() const { return records_; }
    size_t size() const { return bytes_.size(); }

    // The message with its header filled in; the builder starts a new one.
    // `sequence`: data records sent in this domain before this message.
    std::vector<uint8_t> finish(uint32_t export_time, uint32_t sequence);

private:
    void close_set();

    uint32_t domain_;
    size_t max_size_;
    std::vector<uint8_t> bytes_;
    size_t set_start_ = 0;  // offset of the open data set's header, 0 if none
    uint16_t set_id_ = 0;
    size_t records_ = 0;
};

}  // namespace spin::controller::ipfix
