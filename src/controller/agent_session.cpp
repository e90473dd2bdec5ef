#include "controller/agent_session.h"

#include <cmath>

#include "common/log.h"
#include "proto/digest_batch.h"
#include "proto/events.h"
#include "proto/topics.h"
#include "transport/socket_limits.h"

namespace spin::controller {

using nlohmann::json;

namespace {

double seconds(uint64_t us) { return static_cast<double>(us) / 1e6; }

}  // namespace

AgentSession::AgentSession(zmq::context_t& ctx, AgentEndpoint endpoint, const transport::CurveKeyPair* keys)
    : endpoint_(std::move(endpoint)), stream_(ctx, zmq::socket_type::sub) {
    const bool curve = !endpoint_.server_key.empty();
    const std::string server_public = curve ? transport::load_public_key(endpoint_.server_key) : std::string{};
    stream_.set(zmq::sockopt::linger, 0);
    stream_.set(zmq::sockopt::rcvhwm, transport::kStreamReceiveQueue);
    stream_.set(zmq::sockopt::maxmsgsize, transport::kMaxStreamMessageBytes);
    if (curve) transport::make_curve_client(stream_, *keys, server_public);
    stream_.set(zmq::sockopt::subscribe, proto::kStreamPrefix);
    stream_.connect(endpoint_.publish);
    if (!endpoint_.commands.empty()) {
        commands_.emplace(ctx, zmq::socket_type::dealer);
        commands_->set(zmq::sockopt::linger, 0);
        // Orders wait for a connection rather than pile up for an agent that
        // is away: the block manager resends what was not acknowledged.
        commands_->set(zmq::sockopt::immediate, 1);
        commands_->set(zmq::sockopt::maxmsgsize, transport::kMaxAnswerBytes);
        commands_->set(zmq::sockopt::sndhwm, transport::kCommandQueue);
        commands_->set(zmq::sockopt::rcvhwm, transport::kCommandQueue);
        if (curve) transport::make_curve_client(*commands_, *keys, server_public);
        commands_->connect(endpoint_.commands);
    }
}

size_t AgentSession::read_stream(nmf::Recorder& recorder, double now, size_t budget) {
    size_t n = 0;
    zmq::message_t topic, body;
    while (n < budget && !goodbye_) {
        if (!stream_.recv(topic, zmq::recv_flags::dontwait)) break;
        if (!topic.more() || !stream_.recv(body, zmq::recv_flags::dontwait)) {
            ++counters_.bad_messages;
            continue;
        }
        while (body.more()) {  // a sender with more frames than we know: drain them
            zmq::message_t extra;
            if (!stream_.recv(extra, zmq::recv_flags::dontwait)) break;
            body.move(extra);
        }
        ++n;
        last_seen_ = now;
        // Whatever an agent sends, the controller goes on: a message that
        // breaks a reader is counted and named in the log, never fatal.
        try {
            if (topic.to_string_view() == proto::kDigestTopic)
                on_digest(body, recorder, now);
            else if (topic.to_string_view() == proto::kEventTopic)
                on_event(body, recorder, now);
            else
                ++counters_.bad_messages;
        } catch (const std::exception& e) {
            if (++counters_.bad_messages <= 10)
                log_warn("agent {}: message refused: {}", endpoint_.id, std::string(e.what()).substr(0, 200));
        }
    }
    return n;
}

void AgentSession::seen(nmf::Recorder& recorder, uint64_t boot_us, double now) {
    if (!connected_) {
        connected_ = true;
        if (first_seen_ == 0) first_seen_ = now;
        log_info("agent {} joined ({})", endpoint_.id, endpoint_.publish);
        recorder.note("agent_joined", now, "", endpoint_.id, {{"publish", endpoint_.publish}});
    }
    if (boot_us == boot_us_) return;
    if (boot_us_ != 0) {
        ++counters_.restarts;
        log_info("agent {} restarted (boot {:.6f} -> {:.6f})", endpoint_.id, seconds(boot_us_), seconds(boot_us));
        recorder.note("agent_restarted", now, "", endpoint_.id,
                      {{"previous_boot", seconds(boot_us_)}, {"boot", seconds(boot_us)}});
    }
    boot_us_ = boot_us;
    last_stats_.reset();  // a new run counts from zero
    digest_seq_ = event_seq_ = 0;
    publish_status(recorder);
}

void AgentSession::check_seq(nmf::Recorder& recorder, const char* stream, uint64_t& last, uint64_t seq, uint64_t& gaps,
                             uint64_t& lost, double now) {
    // The first message of a run tells where we joined it; what came before
    // was published before we subscribed, not lost on the way.
    if (last != 0 && seq > last + 1) {
        ++gaps;
        lost += seq - last - 1;
        log_warn("agent {}: {} sequence gap: expected {}, got {} ({} lost)", endpoint_.id, stream, last + 1, seq,
                 seq - last - 1);
        recorder.note("sequence_gap", now, "", endpoint_.id,
                      {{"stream", stream}, {"expected", last + 1}, {"got", seq}, {"lost", seq - last - 1}});
    }
    if (seq > last) last = seq;
}

void AgentSession::on_digest(const zmq::message_t& body, nmf::Recorder& recorder, double now) {
    proto::DigestBatch batch;
    const std::string error =
        proto::decode_digest_batch(std::span(static_cast<const uint8_t*>(body.data()), body.size()), batch);
    if (!error.empty()) {
        if (++counters_.bad_messages <= 10) log_warn("agent {}: bad digest batch: {}", endpoint_.id, error);
        return;
    }
    seen(recorder, batch.header.boot_us, now);
    check_seq(recorder, "digest", digest_seq_, batch.header.seq, counters_.digest_gaps, counters_.digests_lost, now);
    ++counters_.batches;
    counters_.records += batch.records.size();
    batch.header.agent = endpoint_.id;  // the configured id is the one the controller knows
    recorder.on_digest(batch);
}

void AgentSession::on_event(const zmq::message_t& body, nmf::Recorder& recorder, double now) {
    json e = json::parse(body.to_string_view(), nullptr, false);
    if (!e.is_object() || !e.contains("boot") || !e["boot"].is_number() || !e.contains("seq") ||
        !e["seq"].is_number_unsigned()) {
        if (++counters_.bad_messages <= 10)
            log_warn("agent {}: event that is not a JSON object with boot and seq", endpoint_.id);
        return;
    }
    const double boot = e["boot"].get<double>();
    if (!(boot > 0 && boot < 1e11)) {  // seconds since the epoch, and finite
        if (++counters_.bad_messages <= 10) log_warn("agent {}: event with boot {} refused", endpoint_.id, boot);
        return;
    }
    seen(recorder, static_cast<uint64_t>(std::llround(boot * 1e6)), now);
    check_seq(recorder, "event", event_seq_, e["seq"].get<uint64_t>(), counters_.event_gaps, counters_.events_lost,
              now);
    ++counters_.events;
    e["agent"] = endpoint_.id;  // the configured id is the one the controller knows
    auto event = proto::parse_event(e, nullptr);
    if (!event) {
        recorder.on_agent_event(e);  // counted there as refused
        return;
    }
    if (event->as<proto::HelloEvent>()) {
        last_hello_ = e;
        publish_status(recorder);
    } else if (event->as<proto::GoodbyeEvent>()) {
        goodbye_ = true;
    } else if (const auto* stats = event->as<proto::StatsEvent>()) {
        last_stats_ = *stats;  // for /metrics; counters every few seconds are not the home's history
    } else {
        recorder.on_agent_event(*event);
    }
}

void AgentSession::leave(nmf::Recorder& recorder, double now) {
    connected_ = false;
    log_info("agent {} said goodbye", endpoint_.id);
    recorder.note("agent_left", now, "", endpoint_.id, {{"reason", "goodbye"}});
    publish_status(recorder);
}

void AgentSession::check_liveness(nmf::Recorder& recorder, double now, double timeout) {
    if (!connected_ || now - last_seen_ < timeout) return;
    connected_ = false;
    log_warn("agent {}: nothing heard for {:.0f} s; counted as gone", endpoint_.id, now - last_seen_);
    recorder.note("agent_left", now, "", endpoint_.id, {{"reason", "silent"}, {"silent_seconds", now - last_seen_}});
    publish_status(recorder);
}

std::optional<std::string> AgentSession::send_order(proto::Order order) {
    if (!commands_) return std::nullopt;
    const std::string id = endpoint_.id + "-" + std::to_string(next_order_++);
    order.id = id;
    const std::string text = json(order).dump();
    try {
        if (!commands_->send(zmq::message_t(), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return std::nullopt;
        commands_->send(zmq::buffer(text), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
        log_warn("agent {}: cannot send order: {}", endpoint_.id, e.what());
        return std::nullopt;
    }
    return id;
}

std::vector<json> AgentSession::read_answers() {
    std::vector<json> out;
    if (!commands_) return out;
    zmq::message_t frame;
    while (commands_->recv(frame, zmq::recv_flags::dontwait)) {
        if (frame.size() == 0 && frame.more()) continue;  // the REQ envelope's empty frame
        json a = json::parse(frame.to_string_view(), nullptr, false);
        if (a.is_object() && a.contains("id") && a["id"].is_string())
            out.push_back(std::move(a));
        else
            ++counters_.bad_messages;
    }
    return out;
}

json AgentSession::status() const {
    const auto hello = [&](const char* key) {
        return last_hello_.is_object() && last_hello_.contains(key) ? last_hello_[key] : json(nullptr);
    };
    return json{{"id", endpoint_.id},
                {"publish", endpoint_.publish},
                {"commands", endpoint_.commands},
                {"curve", !endpoint_.server_key.empty()},
                {"connected", connected_},
                {"boot", boot_us_ == 0 ? json(nullptr) : json(seconds(boot_us_))},
                {"first_seen", first_seen_},
                {"last_seen", last_seen_},
                {"digest_seq", digest_seq_},
                {"event_seq", event_seq_},
                {"rules_version", hello("version")},
                {"rules", hello("rules")},
                {"batches", counters_.batches},
                {"records", counters_.records},
                {"events", counters_.events},
                {"digest_gaps", counters_.digest_gaps},
                {"digests_lost", counters_.digests_lost},
                {"event_gaps", counters_.event_gaps},
                {"events_lost", counters_.events_lost},
                {"bad_messages", counters_.bad_messages},
                {"restarts", counters_.restarts}};
}

void AgentSession::publish_status(nmf::Recorder& recorder) { recorder.set_agent(endpoint_.id, status()); }

}  // namespace spin::controller
