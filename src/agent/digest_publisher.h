// Batches flow records and publishes them on the stream socket (topic
// "spin.digest") in the format of docs/protocol.md.  Control lcore only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "agent/stream_socket.h"
#include "common/wall_clock.h"
#include "proto/digest_batch.h"

namespace spin::agent {

class DigestPublisher {
public:
    using RuleNamer = std::function<std::string(uint32_t)>;

    DigestPublisher(StreamSocket& socket, std::string agent_id, uint64_t boot_us, uint32_t batch_records,
                    std::chrono::milliseconds batch_delay, RuleNamer namer);
    ~DigestPublisher();

    void add(const proto::FlowRecord& record);
    // Sends the pending batch if it is older than the batch delay.
    void poll();
    // Sends whatever is pending.
    void flush();

    uint64_t batches() const { return batches_; }
    uint64_t records() const { return records_; }
    uint64_t send_failures() const { return failures_; }
    uint64_t seq() const { return header_.seq; }

private:
    StreamSocket& socket_;
    proto::DigestBatchHeader header_;
    uint32_t batch_records_;
    std::chrono::milliseconds batch_delay_;
    RuleNamer namer_;
    std::vector<proto::FlowRecord> pending_;
    std::chrono::steady_clock::time_point oldest_;
    std::vector<uint8_t> buffer_;
    uint64_t batches_ = 0, records_ = 0, failures_ = 0;
};

}  // namespace spin::agent
