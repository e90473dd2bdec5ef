// --flow-log: one JSON line per flow when it ends (and at exit for flows still
// open), in the record format of SPEC 2.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "proto/flow_record.h"

namespace spin::agent {

class FlowLog {
public:
    FlowLog(const std::string& path, std::string agent_id,
            std::function<std::string(uint32_t)> rule_namer);  // throws std::runtime_error
    ~FlowLog();
    FlowLog(const FlowLog&) = delete;
    FlowLog& operator=(const FlowLog&) = delete;

    void add(const proto::FlowRecord& record);  // writes end records, ignores others
    uint64_t lines() const { return lines_; }

private:
    std::FILE* file_;
    std::string path_;
    std::string agent_;
    std::function<std::string(uint32_t)> namer_;
    uint64_t lines_ = 0;
};

}  // namespace spin::agent
