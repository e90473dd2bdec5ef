#include "dataplane/slow_path.h"

#include <stdexcept>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace spin::dp {

namespace {
constexpr uint16_t kPrivSize = RTE_ALIGN(sizeof(SlowMeta), RTE_MBUF_PRIV_ALIGN);
}

const char* to_string(SlowKind k) {
    switch (k) {
    case SlowKind::none: return "none";
    case SlowKind::dns: return "dns";
    case SlowKind::mdns: return "mdns";
    case SlowKind::dhcp: return "dhcp";
    case SlowKind::dhcpv6: return "dhcpv6";
    case SlowKind::ssdp: return "ssdp";
    case SlowKind::arp: return "arp";
    case SlowKind::nd: return "nd";
    case SlowKind::lldp: return "lldp";
    }
    return "?";
}

SlowPool::SlowPool(const std::string& name, uint32_t mbufs, int socket) {
    pool_ = rte_pktmbuf_pool_create(name.c_str(), mbufs, 32, kPrivSize, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (pool_ == nullptr)
        throw std::runtime_error("cannot create the slow-path pool " + name + ": " + rte_strerror(rte_errno));
}

SlowPool::~SlowPool() { rte_mempool_free(pool_); }

SlowMeta& slow_meta(rte_mbuf* copy) { return *static_cast<SlowMeta*>(rte_mbuf_to_priv(copy)); }

SlowQueue::SlowQueue(const std::string& name, uint32_t size, SlowPool& pool, int socket) : pool_(pool.get()) {
    uint32_t n = 64;
    while (n < size) n <<= 1;
    ring_ = rte_ring_create(name.c_str(), n, socket, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
    if (ring_ == nullptr)
        throw std::runtime_error("cannot create slow-path ring " + name + ": " + rte_strerror(rte_errno));
}

SlowQueue::~SlowQueue() {
    rte_mbuf* m[32];
    for (unsigned n; (n = pop(m, 32)) != 0;) rte_pktmbuf_free_bulk(m, n);
    rte_ring_free(ring_);
}

bool SlowQueue::push(const rte_mbuf* m, const SlowMeta& meta) {
    rte_mbuf* copy = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
    if (copy == nullptr) return false;
    slow_meta(copy) = meta;
    if (rte_ring_sp_enqueue(ring_, copy) != 0) {
        rte_pktmbuf_free(copy);
        return false;
    }
    return true;
}

unsigned SlowQueue::pop(rte_mbuf** out, unsigned n) {
    return rte_ring_sc_dequeue_burst(ring_, reinterpret_cast<void**>(out), n, nullptr);
}

unsigned SlowQueue::count() const { return rte_ring_count(ring_); }

}  // namespace spin::dp
