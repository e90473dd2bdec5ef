// Single-producer / single-consumer ring of flow records from one worker to
// the control lcore (RAII over rte_ring with 128-byte elements).  The worker
// never waits on it: what does not fit is counted as overflow by the caller.
#pragma once

#include <cstdint>
#include <string>

#include "proto/flow_record.h"

struct rte_ring;

namespace spin::dp {

class RecordRing {
public:
    // size: number of records, rounded up to a power of two.  Needs the EAL.
    RecordRing(const std::string& name, uint32_t size, int socket);
    ~RecordRing();
    RecordRing(const RecordRing&) = delete;
    RecordRing& operator=(const RecordRing&) = delete;

    // Both return how many records moved; neither blocks.
    unsigned enqueue(const proto::FlowRecord* records, unsigned n);

    // Records built in place (the producer's only, one reservation at a
    // time): up to `want` slots of the ring itself, written in order through
    // slot(i) and made visible to the consumer by commit(k), k <= n; the
    // slots past k go back.  The consumer never sees a slot before its commit.
    struct Reservation {
        proto::FlowRecord* first = nullptr;   // n1 slots, then the ring wraps to
        proto::FlowRecord* second = nullptr;  // the rest
        unsigned n1 = 0, n = 0;
        proto::FlowRecord& slot(unsigned i) const { return i < n1 ? first[i] : second[i - n1]; }
    };
    Reservation reserve(unsigned want);  // n == 0: the ring is full
    void commit(unsigned k);
    unsigned dequeue(proto::FlowRecord* records, unsigned n);
    unsigned count() const;
    unsigned capacity() const;

private:
    rte_ring* ring_;
};

}  // namespace spin::dp
