// The JSON form of a flow record (SPEC 2 "Flow record"): one object per line,
// identical in --flow-log, `spinctl digests` and later the controller API.
#pragma once

#include <string>
#include <string_view>

#include "proto/flow_record.h"

namespace spin::proto {

// Formats one record as a single-line JSON object (no trailing newline).
// agent and rule are the agent id and the name of record.rule ("" if none).
std::string flow_record_to_json(const FlowRecord& record, std::string_view agent, std::string_view rule);

// "aa:bb:cc:dd:ee:ff", or "" for the all-zero MAC.
std::string format_mac(const uint8_t mac[6]);
// Text form of a 4- or 16-byte address held in a 16-byte field.
std::string format_ip(const uint8_t addr[16], int ip_version);
// Lower-case hex digits of `len` bytes, no separators (client ids, DUIDs).
std::string format_hex(const uint8_t* data, size_t len);
// Flags as letters in the order SYN ACK FIN PSH RST URG, e.g. "SAFPR".
std::string format_tcp_flags(uint8_t flags);
// JSON string literal (with quotes) of arbitrary bytes.
std::string json_quote(std::string_view s);

}  // namespace spin::proto
