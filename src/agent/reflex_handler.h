// The control side of the workers' reflexes (dataplane/scan_reflex.h): a
// trip becomes an ordinary quarantine rule for every worker (origin
// "reflex", kept across restarts like an order's), a `rules` event, and an
// `alert` event with the evidence and a sentence (docs/detection.md).  The
// controller has the last word: it may keep the rule or lift it with an
// ordinary unblock order; the worker that tripped does not trip again for
// that device in this run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/event_publisher.h"
#include "agent/rule_registry.h"
#include "dataplane/scan_reflex.h"
#include "dataplane/worker.h"

namespace spin::agent {

class ReflexHandler {
public:
    ReflexHandler(const dp::ScanReflexConfig& config, std::string agent_id, RuleRegistry& rules, EventPublisher& events,
                  std::function<void()> persist);

    // Takes every worker's alarms and acts on them; returns how many.
    unsigned poll(const std::vector<std::unique_ptr<dp::Worker>>& workers);
    uint64_t trips() const { return trips_; }

    // The alert of one alarm (rule: the quarantine rule's id, 0 if none).
    proto::Event alert(const dp::ScanAlarm& a, uint16_t rule) const;

private:
    void handle(const dp::ScanAlarm& a);

    dp::ScanReflexConfig config_;
    std::string agent_;
    RuleRegistry& rules_;
    EventPublisher& events_;
    std::function<void()> persist_;
    uint64_t trips_ = 0;
};

}  // namespace spin::agent
