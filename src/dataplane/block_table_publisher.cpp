#include "dataplane/block_table_publisher.h"

#include <cstdlib>
#include <new>
#include <stdexcept>

#include <rte_rcu_qsbr.h>

namespace spin::dp {

BlockTablePublisher::BlockTablePublisher(uint32_t max_readers) {
    const size_t size = rte_rcu_qsbr_get_memsize(max_readers);
    qsbr_ = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, size));
    if (qsbr_ == nullptr) throw std::bad_alloc();
    if (rte_rcu_qsbr_init(qsbr_, max_readers) != 0) {
        std::free(qsbr_);
        throw std::runtime_error("rte_rcu_qsbr_init failed");
    }
    owned_ = std::make_unique<BlockTables>(1, std::vector<BlockRule>{});
    current_.store(owned_.get(), std::memory_order_release);
}

BlockTablePublisher::~BlockTablePublisher() { std::free(qsbr_); }

void BlockTablePublisher::register_reader(uint32_t id) { rte_rcu_qsbr_thread_register(qsbr_, id); }
void BlockTablePublisher::online(uint32_t id) { rte_rcu_qsbr_thread_online(qsbr_, id); }
void BlockTablePublisher::quiescent(uint32_t id) { rte_rcu_qsbr_quiescent(qsbr_, id); }
void BlockTablePublisher::offline(uint32_t id) { rte_rcu_qsbr_thread_offline(qsbr_, id); }

uint32_t BlockTablePublisher::publish(std::vector<BlockRule> rules) {
    auto next = std::make_unique<BlockTables>(owned_->version() + 1, std::move(rules));
    current_.store(next.get(), std::memory_order_release);
    // Readers that were online may still hold the old pointer until their next
    // quiescent state; offline readers hold nothing.
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
    owned_ = std::move(next);
    return owned_->version();
}

}  // namespace spin::dp
