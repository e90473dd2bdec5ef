#include "agent/digest_publisher.h"

#include <algorithm>

namespace spin::agent {

DigestPublisher::DigestPublisher(StreamSocket& socket, std::string agent_id, uint64_t boot_us, uint32_t batch_records,
                                 std::chrono::milliseconds batch_delay, RuleNamer namer)
    : socket_(socket), batch_records_(batch_records), batch_delay_(batch_delay), namer_(std::move(namer)) {
    header_.agent = std::move(agent_id);
    header_.boot_us = boot_us;
    pending_.reserve(batch_records_);
}

DigestPublisher::~DigestPublisher() {
    try {
        flush();
    } catch (...) {}
}

void DigestPublisher::add(const proto::FlowRecord& record) {
    if (pending_.empty()) oldest_ = std::chrono::steady_clock::now();
    pending_.push_back(record);
    if (pending_.size() >= batch_records_) flush();
}

void DigestPublisher::poll() {
    if (!pending_.empty() && std::chrono::steady_clock::now() - oldest_ >= batch_delay_) flush();
}

void DigestPublisher::flush() {
    if (pending_.empty()) return;
    std::vector<proto::RuleName> rules;
    for (const auto& r : pending_) {
        if (r.rule == proto::kNoRule) continue;
        if (std::none_of(rules.begin(), rules.end(), [&](const auto& n) { return n.id == r.rule; }))
            rules.push_back({r.rule, namer_(r.rule)});
    }
    header_.seq += 1;
    header_.sent_us = epoch_us_now();
    proto::encode_digest_batch(header_, pending_, rules, buffer_);
    // The sequence number shows a subscriber any batch it did not get.
    const bool ok = socket_.send({proto::kDigestTopic, sizeof proto::kDigestTopic - 1}, buffer_.data(), buffer_.size());
    if (ok) {
        ++batches_;
        records_ += pending_.size();
    } else {
        ++failures_;
    }
    pending_.clear();
}

}  // namespace spin::agent
