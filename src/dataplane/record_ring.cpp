#include "dataplane/record_ring.h"

#include <stdexcept>

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

namespace spin::dp {

RecordRing::RecordRing(const std::string& name, uint32_t size, int socket) {
    uint32_t n = 64;
    while (n < size) n <<= 1;
    ring_ = rte_ring_create_elem(name.c_str(), sizeof(proto::FlowRecord), n, socket,
                                 RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
    if (ring_ == nullptr)
        throw std::runtime_error("cannot create record ring " + name + ": " + rte_strerror(rte_errno));
}

RecordRing::~RecordRing() { rte_ring_free(ring_); }

unsigned RecordRing::enqueue(const proto::FlowRecord* r, unsigned n) {
    return rte_ring_enqueue_burst_elem(ring_, r, sizeof *r, n, nullptr);
}

RecordRing::Reservation RecordRing::reserve(unsigned want) {
    rte_ring_zc_data zc;
    Reservation r;
    r.n = rte_ring_enqueue_zc_burst_elem_start(ring_, sizeof(proto::FlowRecord), want, &zc, nullptr);
    if (r.n == 0) return r;
    r.first = static_cast<proto::FlowRecord*>(zc.ptr1);
    r.second = static_cast<proto::FlowRecord*>(zc.ptr2);
    r.n1 = zc.n1;
    return r;
}

void RecordRing::commit(unsigned k) { rte_ring_enqueue_zc_elem_finish(ring_, k); }

unsigned RecordRing::dequeue(proto::FlowRecord* r, unsigned n) {
    return rte_ring_dequeue_burst_elem(ring_, r, sizeof *r, n, nullptr);
}

unsigned RecordRing::count() const { return rte_ring_count(ring_); }
unsigned RecordRing::capacity() const { return rte_ring_get_capacity(ring_); }

}  // namespace spin::dp
