#include "agent/channels.h"

#include <thread>

#include <fmt/format.h>

#include "common/log.h"

namespace spin::agent {

Channels::Channels(const AgentConfig& cfg, uint64_t boot_us, RuleRegistry& rules, OrderHandler::Hooks hooks)
    : cfg_(cfg), rules_(rules) {
    if (!cfg.secret_key_file.empty()) {
        keys_ = transport::load_secret_key(cfg.secret_key_file);
        zap_ = std::make_unique<transport::ZapAuthenticator>(ctx_, cfg.authorized_keys);
        log_info("CURVE on: agent public key {}, {} authorised client key(s)", keys_->public_key,
                 cfg.authorized_keys.size());
    }
    const transport::CurveKeyPair* keys = keys_ ? &*keys_ : nullptr;
    if (!cfg.publish.empty()) {
        transport::require_local_if_plain("digests.publish", cfg.publish, keys != nullptr);
        stream_ = std::make_unique<StreamSocket>(ctx_, cfg.publish, keys);
        digests_ = std::make_unique<DigestPublisher>(*stream_, cfg.id, boot_us, cfg.batch_records,
                                                     std::chrono::milliseconds(cfg.batch_delay_ms),
                                                     [&rules](uint32_t id) { return rules.name(id); });
        log_info("publishing digests and events on {}{}", stream_->endpoint(),
                 keys ? " (CURVE)" : " (plain ZeroMQ: loopback / ipc only, not encrypted)");
    }
    events_ = std::make_unique<EventPublisher>(stream_.get(), cfg.id, boot_us, cfg.event_log);
    if (!cfg.commands.empty()) {
        transport::require_local_if_plain("commands.listen", cfg.commands, keys != nullptr);
        hooks.on_change = [this](const std::string& op, const nlohmann::json& rule) {
            proto::Event e;
            e.time = epoch_seconds_now();
            e.body = proto::RulesEvent{op, rule, rules_.version()};
            events_->publish(std::move(e));
        };
        orders_ = std::make_unique<OrderHandler>(rules, cfg.id, boot_us, std::move(hooks));
        commands_ = std::make_unique<CommandServer>(ctx_, cfg.commands, keys, *orders_);
        log_info("taking orders on {}{}", commands_->endpoint(),
                 keys ? " (CURVE)" : " (plain ZeroMQ: loopback / ipc only, not encrypted)");
    }
    last_hello_ = std::chrono::steady_clock::now();
}

void Channels::hello(const char* reason) {
    last_hello_ = std::chrono::steady_clock::now();
    proto::Event e;
    e.time = epoch_seconds_now();
    e.body = proto::HelloEvent{reason, rules_.version(), rules_.snapshot().size(), digests_ ? digests_->seq() : 0,
                               commands_ ? commands_->endpoint() : ""};
    events_->publish(std::move(e));
}

void Channels::poll() {
    if (zap_) {
        zap_->poll();
        for (const auto& r : zap_->take_refusals()) log_warn("{}", r);
    }
    if (commands_) commands_->poll();
    if (stream_ && stream_->poll_subscriptions() != 0) hello("subscriber");
    if (digests_) digests_->poll();
    if (cfg_.heartbeat_ms != 0 &&
        std::chrono::steady_clock::now() - last_hello_ >= std::chrono::milliseconds(cfg_.heartbeat_ms))
        hello("heartbeat");
}

int64_t Channels::wait_for_subscribers(uint32_t n, std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
    if (!stream_ || n == 0) return stream_ ? stream_->subscriptions() : 0;
    log_info("waiting up to {} ms for {} subscription(s) on {}", timeout.count(), n, stream_->endpoint());
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (stream_->subscriptions() < n && std::chrono::steady_clock::now() < until && !stop.load()) {
        poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    poll();
    if (stream_->subscriptions() < n)
        log_warn("{} of {} subscription(s) after {} ms; starting anyway", stream_->subscriptions(), n, timeout.count());
    // A subscription is in force at the agent once seen here; give ZeroMQ's
    // I/O thread a moment to finish the subscriber's handshake as well.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return stream_->subscriptions();
}

void Channels::flush() {
    if (digests_) digests_->flush();
}

void Channels::print_stats() const {
    if (digests_)
        fmt::print(stderr, "  digests: {} batches, {} records published on {}, {} send failures\n", digests_->batches(),
                   digests_->records(), stream_->endpoint(), digests_->send_failures());
    fmt::print(stderr, "  events: {} published, {} send failures\n", events_->published(), events_->send_failures());
    if (orders_) fmt::print(stderr, "  orders: {} answered, {} refused\n", orders_->orders(), orders_->errors());
    if (zap_) fmt::print(stderr, "  CURVE clients: {} accepted, {} refused\n", zap_->accepted(), zap_->refused());
}

}  // namespace spin::agent
