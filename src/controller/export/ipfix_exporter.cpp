#include "controller/export/ipfix_exporter.h"

#include <chrono>
#include <cmath>
#include <thread>

namespace spin::controller {

IpfixExporter::IpfixExporter(const IpfixConfig& config, const std::vector<std::string>& agents, double now)
    : config_(config), link_(config.collector, config.transport), now_(now) {
    uint32_t id = 1;
    for (const std::string& a : agents) domains_.try_emplace(a, id++, config.max_message);
}

void IpfixExporter::start_message(Domain& d, double now) {
    // Over UDP a collector that starts late (or lost a datagram) learns the
    // templates within template_refresh; over TCP once per connection.
    if (config_.transport == CollectorLink::Transport::udp && now - d.templates_sent >= config_.template_refresh)
        d.templates_due = true;
    d.with_templates = d.templates_due;
    if (d.templates_due) {
        d.builder.add_templates();
        d.templates_sent = now;
        d.templates_due = false;
        ++templates_;
    }
    d.first_record = now;
}

void IpfixExporter::on_flow(const std::string& agent, const proto::FlowRecord& r, const nmf::TrafficCounters& delta) {
    const double now = now_;
    const auto it = domains_.find(agent);
    if (it == domains_.end() || delta.empty()) return;
    Domain& d = it->second;
    if (d.builder.empty()) start_message(d, now);
    if (d.builder.add_record(r, delta)) return;
    send(d, now);
    start_message(d, now);
    d.builder.add_record(r, delta);  // fits: a message holds the templates and a record
}

void IpfixExporter::send_templates(Domain& d, double now) {
    ipfix::MessageBuilder b(d.id, config_.max_message);
    b.add_templates();
    if (!link_.send(b.finish(static_cast<uint32_t>(std::floor(now)), d.sequence), now)) return;  // due still
    d.templates_due = false;
    d.templates_sent = now;
    ++templates_;
}

void IpfixExporter::send(Domain& d, double now) {
    // The collector must know the templates before the data that uses them.
    if (d.templates_due && !d.with_templates) send_templates(d, now);
    const size_t records = d.builder.records();
    const std::vector<uint8_t> message = d.builder.finish(static_cast<uint32_t>(std::floor(now)), d.sequence);
    if (records == 0) return;  // templates alone wait for a record
    if (!link_.send(message, now)) {
        records_dropped_ += records;
        d.templates_due = true;  // the templates in it may be lost too
        return;
    }
    d.sequence += static_cast<uint32_t>(records);  // modulo 2^32, as RFC 7011 counts
    records_ += records;
    ++messages_;
    octets_ += message.size();
}

void IpfixExporter::tick(double now) {
    now_ = now;
    if (link_.poll(now))
        for (auto& [agent, d] : domains_) d.templates_due = true;  // a new TCP connection knows no template
    for (auto& [agent, d] : domains_)
        if (d.builder.records() > 0 && now - d.first_record >= config_.max_delay) send(d, now);
}

void IpfixExporter::flush(double now) {
    now_ = now;
    link_.poll(now);
    for (auto& [agent, d] : domains_)
        if (d.builder.records() > 0) send(d, now);
    // At exit, what TCP still holds gets a second to leave.
    for (int i = 0; i < 100 && !link_.drained() && link_.connected(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        link_.poll(now);
    }
}

nlohmann::json IpfixExporter::stats() const {
    return {{"records", records_},      {"records_dropped", records_dropped_}, {"messages", messages_},
            {"octets", octets_},        {"template_sets", templates_},         {"connects", link_.connects()},
            {"errors", link_.errors()}, {"connected", link_.connected()},      {"last_error", link_.last_error()}};
}

}  // namespace spin::controller
