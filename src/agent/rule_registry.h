// The control side of blocking: which rules are in force, their ids and names.
// Turns the rule set into dataplane snapshots and names rule ids in records.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "dataplane/block_table_publisher.h"

namespace spin::agent {

class RuleRegistry {
public:
    explicit RuleRegistry(dp::BlockTablePublisher& publisher) : publisher_(publisher) {}

    // Adds a rule (idempotent: an identical rule keeps its id) without publishing.
    uint16_t add(const StaticRule& rule);
    // Publishes the current rule set to the workers; returns the table version.
    uint32_t commit();

    std::string name(uint32_t id) const;
    const std::vector<dp::BlockRule>& rules() const { return rules_; }

private:
    dp::BlockTablePublisher& publisher_;
    std::vector<dp::BlockRule> rules_;
    uint16_t next_id_ = 1;
};

}  // namespace spin::agent
