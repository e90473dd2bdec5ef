// What the control side shares with the workers: the datapath's one RCU and
// a Snapshot per table (block tables, MUD policy tables).  One per agent,
// made before the workers and outliving them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/block_tables.h"
#include "dataplane/policy_tables.h"
#include "dataplane/rcu.h"
#include "dataplane/snapshot.h"

namespace spin::dp {

struct SharedTables {
    explicit SharedTables(uint32_t workers)
        : rcu(workers),
          blocks(rcu, std::make_unique<BlockTables>(1, std::vector<TableEntry>{})),
          policies(rcu, std::make_unique<PolicyTables>()) {}

    // Builds block tables of `entries` with the next version and publishes
    // them: in force on every worker when this returns.  Returns the version.
    uint32_t publish_blocks(std::vector<TableEntry> entries, NetworkServices services = {}) {
        const uint32_t version = blocks.current()->version() + 1;
        blocks.publish(std::make_unique<BlockTables>(version, std::move(entries), std::move(services)));
        return version;
    }

    // The same for the devices' MUD policies.
    uint32_t publish_policies(std::vector<DevicePolicyTable> devices, NetworkServices services = {}) {
        const uint32_t version = policies.current()->version() + 1;
        policies.publish(std::make_unique<PolicyTables>(version, std::move(devices), std::move(services)));
        return version;
    }
    // What a flow's cached decision was made under: it changes when either table does.
    static uint32_t decision_version(const BlockTables& b, const PolicyTables& p) { return b.version() + p.version(); }

    Rcu rcu;
    Snapshot<BlockTables> blocks;
    Snapshot<PolicyTables> policies;
};

}  // namespace spin::dp
