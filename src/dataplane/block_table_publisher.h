// Publishes block-table snapshots to workers with a pointer swap and frees the
// old snapshot only after every worker has passed a quiescent state (DPDK's
// QSBR RCU).  Workers never lock, never wait; the control side waits.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/block_tables.h"

struct rte_rcu_qsbr;

namespace spin::dp {

class BlockTablePublisher {
public:
    // max_readers: number of worker threads that will read the tables.
    explicit BlockTablePublisher(uint32_t max_readers);
    ~BlockTablePublisher();
    BlockTablePublisher(const BlockTablePublisher&) = delete;
    BlockTablePublisher& operator=(const BlockTablePublisher&) = delete;

    // --- reader (worker) side: wait-free ---
    // A reader registers once, goes online before its first current(), reports
    // quiescent() between bursts (it holds no snapshot pointer then), and goes
    // offline before it stops.
    void register_reader(uint32_t reader_id);
    void online(uint32_t reader_id);
    void quiescent(uint32_t reader_id);
    void offline(uint32_t reader_id);
    const BlockTables* current() const { return current_.load(std::memory_order_acquire); }

    // --- control side: one thread ---
    // Builds a snapshot of `rules` with the next version, swaps it in, waits
    // for a grace period and frees the previous one.  Returns the new version.
    uint32_t publish(std::vector<BlockRule> rules);
    uint32_t version() const { return current()->version(); }

private:
    rte_rcu_qsbr* qsbr_;
    std::atomic<const BlockTables*> current_;
    std::unique_ptr<BlockTables> owned_;
};

}  // namespace spin::dp
