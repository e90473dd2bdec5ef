#include "dataplane/rcu.h"

#include <cstdlib>
#include <new>
#include <stdexcept>

#include <rte_rcu_qsbr.h>

namespace spin::dp {

Rcu::Rcu(uint32_t max_readers) {
    const size_t size = rte_rcu_qsbr_get_memsize(max_readers);
    qsbr_ = static_cast<rte_rcu_qsbr*>(std::aligned_alloc(RTE_CACHE_LINE_SIZE, size));
    if (qsbr_ == nullptr) throw std::bad_alloc();
    if (rte_rcu_qsbr_init(qsbr_, max_readers) != 0) {
        std::free(qsbr_);
        throw std::runtime_error("rte_rcu_qsbr_init failed");
    }
}

Rcu::~Rcu() { std::free(qsbr_); }

void Rcu::register_reader(uint32_t id) { rte_rcu_qsbr_thread_register(qsbr_, id); }
void Rcu::online(uint32_t id) { rte_rcu_qsbr_thread_online(qsbr_, id); }
void Rcu::quiescent(uint32_t id) { rte_rcu_qsbr_quiescent(qsbr_, id); }
void Rcu::offline(uint32_t id) { rte_rcu_qsbr_thread_offline(qsbr_, id); }
void Rcu::synchronize() { rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID); }

}  // namespace spin::dp
