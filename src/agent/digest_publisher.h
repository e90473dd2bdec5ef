// Batches flow records and publishes them on a ZeroMQ PUB socket in the
// format of docs/protocol.md.  Runs on the control lcore only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "proto/digest_batch.h"

namespace spin::agent {

class DigestPublisher {
public:
    using RuleNamer = std::function<std::string(uint32_t)>;

    // Binds endpoint (throws zmq::error_t with the reason if it cannot).
    DigestPublisher(zmq::context_t& ctx, const std::string& endpoint, std::string agent_id,
                    uint64_t boot_us, uint32_t batch_records, std::chrono::milliseconds batch_delay,
                    RuleNamer namer);
    ~DigestPublisher();

    void add(const proto::FlowRecord& record);
    // Sends the pending batch if it is older than the batch delay.
    void poll();
    // Sends whatever is pending.
    void flush();

    uint64_t batches() const { return batches_; }
    uint64_t records() const { return records_; }
    uint64_t send_failures() const { return failures_; }
    const std::string& endpoint() const { return endpoint_; }

private:
    zmq::socket_t socket_;
    std::string endpoint_;
    proto::DigestBatchHeader header_;
    uint32_t batch_records_;
    std::chrono::milliseconds batch_delay_;
    RuleNamer namer_;
    std::vector<proto::FlowRecord> pending_;
    std::chrono::steady_clock::time_point oldest_;
    std::vector<uint8_t> buffer_;
    uint64_t batches_ = 0, records_ = 0, failures_ = 0;
};

uint64_t epoch_us_now();

}  // namespace spin::agent
