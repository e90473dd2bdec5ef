// Digest batch: the unit published on the agent's ZeroMQ PUB socket.
//
// Layout (little-endian, documented with a worked example in docs/protocol.md):
//   header (40 bytes) | agent id, zero padded to 8 | records | rule names
// A batch is sent as two ZeroMQ frames: the topic kDigestTopic, then the bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/flow_record.h"
#include "proto/topics.h"

namespace spin::proto {

inline constexpr char kDigestMagic[4] = {'S', 'P', 'D', 'G'};
inline constexpr uint16_t kDigestVersion = 1;
inline constexpr size_t kDigestHeaderSize = 40;

struct DigestBatchHeader {
    uint64_t seq = 0;      // 1, 2, 3... per agent run; a gap means lost batches
    uint64_t boot_us = 0;  // agent start time; a new value means seq restarted
    uint64_t sent_us = 0;  // when the batch was sent
    std::string agent;     // agent id
};

struct RuleName {
    uint32_t id;
    std::string name;
};

struct DigestBatch {
    DigestBatchHeader header;
    std::vector<FlowRecord> records;
    std::vector<RuleName> rules;  // names of the rules that records refer to

    // Name of a rule id, or "" where the batch does not name it.
    std::string_view rule_name(uint32_t id) const;
};

// Appends the encoding of a batch to out (cleared first).
void encode_digest_batch(const DigestBatchHeader& header, std::span<const FlowRecord> records,
                         std::span<const RuleName> rules, std::vector<uint8_t>& out);

// Decodes untrusted bytes.  Returns an empty string and fills batch on success,
// otherwise a message saying what is wrong (batch content is then unspecified).
std::string decode_digest_batch(std::span<const uint8_t> bytes, DigestBatch& batch);

}  // namespace spin::proto
