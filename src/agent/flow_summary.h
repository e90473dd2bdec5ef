// --summary: per-device totals and the largest flows, printed at exit, from
// the end records the agent produced.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "proto/flow_record.h"

namespace spin::agent {

class FlowSummary {
public:
    void add(const proto::FlowRecord& r);
    void print() const;

private:
    static constexpr size_t kTopFlows = 20;
    void trim();
    struct Device {
        uint64_t flows = 0, pkts_out = 0, bytes_out = 0, pkts_in = 0, bytes_in = 0, blocked = 0;
        std::map<uint8_t, uint64_t> protos;
    };
    std::map<std::string, Device> devices_;
    std::vector<proto::FlowRecord> top_;
};

}  // namespace spin::agent
