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
    unsigned dequeue(proto::FlowRecord* records, unsigned n);
    unsigned count() const;
    unsigned capacity() const;

private:
    rte_ring* ring_;
};

}  // namespace spin::dp
