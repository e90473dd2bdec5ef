// What the control side shares with the workers: the datapath's one RCU and
// a Snapshot per table (block tables today; MUD policies next).  One per
// agent, made before the workers and outliving them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/block_tables.h"
#include "dataplane/rcu.h"
#include "dataplane/snapshot.h"

namespace spin::dp {

struct SharedTables {
    explicit SharedTables(uint32_t workers)
        : rcu(workers), blocks(rcu, std::make_unique<BlockTables>(1, std::vector<TableEntry>{})) {}

    // Builds block tables of `entries` with the next version and publishes
    // them: in force on every worker when this returns.  Returns the version.
    uint32_t publish_blocks(std::vector<TableEntry> entries, NetworkServices services = {}) {
        const uint32_t version = blocks.current()->version() + 1;
        blocks.publish(std::make_unique<BlockTables>(version, std::move(entries), std::move(services)));
        return version;
    }

    Rcu rcu;
    Snapshot<BlockTables> blocks;
};

}  // namespace spin::dp
