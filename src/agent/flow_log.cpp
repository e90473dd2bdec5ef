#include "agent/flow_log.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "proto/flow_record_json.h"

namespace spin::agent {

FlowLog::FlowLog(const std::string& path, std::string agent_id, std::function<std::string(uint32_t)> rule_namer)
    : path_(path), agent_(std::move(agent_id)), namer_(std::move(rule_namer)) {
    file_ = std::fopen(path.c_str(), "w");
    if (file_ == nullptr) throw std::runtime_error(fmt::format("--flow-log {}: {}", path, std::strerror(errno)));
}

FlowLog::~FlowLog() { std::fclose(file_); }

void FlowLog::add(const proto::FlowRecord& r) {
    if (static_cast<proto::FlowEvent>(r.event) != proto::FlowEvent::end) return;
    const std::string line = proto::flow_record_to_json(r, agent_, namer_(r.rule));
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    ++lines_;
}

}  // namespace spin::agent
