// The datapath's one RCU (DPDK's QSBR): every table the control side shares
// with the workers is guarded by it.  Workers report a quiescent state
// between bursts and go offline while they nap; the control side waits for
// a grace period before it frees what it swapped out.  Workers never lock,
// never wait.
#pragma once

#include <cstdint>

struct rte_rcu_qsbr;

namespace spin::dp {

class Rcu {
public:
    // max_readers: the number of worker threads that will read.
    explicit Rcu(uint32_t max_readers);
    ~Rcu();
    Rcu(const Rcu&) = delete;
    Rcu& operator=(const Rcu&) = delete;

    // --- reader (worker) side: wait-free ---
    // A reader registers once, goes online before it first reads a table,
    // reports quiescent() between bursts (it holds no table pointer then),
    // and goes offline before it stops or sleeps.
    void register_reader(uint32_t reader_id);
    void online(uint32_t reader_id);
    void quiescent(uint32_t reader_id);
    void offline(uint32_t reader_id);

    // --- control side ---
    // Returns once every reader online now has passed a quiescent state:
    // none can still hold a pointer read before the call.
    void synchronize();

private:
    rte_rcu_qsbr* qsbr_;
};

}  // namespace spin::dp
