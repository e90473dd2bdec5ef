#include "agent/event_publisher.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace spin::agent {

std::string event_text(const nlohmann::json& e) {
    return e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

EventPublisher::EventPublisher(StreamSocket* socket, std::string agent_id, uint64_t boot_us,
                               const std::string& log_path)
    : socket_(socket), agent_(std::move(agent_id)), boot_(static_cast<double>(boot_us) / 1e6) {
    if (!log_path.empty()) {
        log_ = std::fopen(log_path.c_str(), "w");
        if (log_ == nullptr)
            throw std::runtime_error(fmt::format("event log '{}': {}", log_path, std::strerror(errno)));
    }
}

EventPublisher::~EventPublisher() {
    if (log_ != nullptr) std::fclose(log_);
}

void EventPublisher::publish(proto::Event e) {
    e.agent = agent_;
    e.boot = boot_;
    e.seq = ++seq_;
    const std::string text = event_text(nlohmann::json(e));
    if (socket_ != nullptr && !socket_->send(kEventTopic, text.data(), text.size())) ++failures_;
    if (log_ != nullptr) {
        std::fputs(text.c_str(), log_);
        std::fputc('\n', log_);
        std::fflush(log_);
    }
}

}  // namespace spin::agent
