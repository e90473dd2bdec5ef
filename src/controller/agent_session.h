// One agent as the controller sees it: a SUB socket on its stream (digests
// and events), a DEALER on its command channel, and what the stream says of
// its health: joined / left / restarted, sequence gaps, the rules version of
// its last hello.  Lives on the controller's ingest thread.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "controller/controller_config.h"
#include "nmf/ingest/recorder.h"
#include "proto/events.h"
#include "proto/orders.h"
#include "transport/curve.h"

namespace spin::controller {

struct AgentCounters {
    uint64_t batches = 0, records = 0, events = 0;
    uint64_t digest_gaps = 0, digests_lost = 0;  // gaps and batches missing in them
    uint64_t event_gaps = 0, events_lost = 0;
    uint64_t bad_messages = 0;  // undecodable batches or events
    uint64_t restarts = 0;
};

class AgentSession {
public:
    AgentSession(zmq::context_t& ctx, AgentEndpoint endpoint, const transport::CurveKeyPair* keys);

    const std::string& id() const { return endpoint_.id; }
    zmq::socket_t& stream() { return stream_; }
    zmq::socket_t* commands() { return commands_ ? &*commands_ : nullptr; }

    // Reads up to `budget` messages from the stream into the recorder;
    // returns how many were read.  Never blocks.  Stops after a goodbye, so
    // that the caller can commit what came before it (take_goodbye).
    size_t read_stream(nmf::Recorder& recorder, double now, size_t budget);
    // True once after the agent said goodbye; the caller commits what the
    // agent sent, then calls leave(), so that an agent the API shows gone has
    // all its traffic in the store.
    bool take_goodbye() { return std::exchange(goodbye_, false); }
    void leave(nmf::Recorder& recorder, double now);
    // Marks the agent gone after `timeout` seconds of silence.
    void check_liveness(nmf::Recorder& recorder, double now, double timeout);

    // Sends one order (JSON object; its id is set here).  Returns the id, or
    // nullopt when the agent has no command channel or the send would block.
    std::optional<std::string> send_order(proto::Order order);
    // Answers that arrived, in order.
    std::vector<nlohmann::json> read_answers();

    bool connected() const { return connected_; }
    // The agent's last `stats` event (its own counters), nullptr before one came in this run.
    const proto::StatsEvent* agent_counters() const { return last_stats_ ? &*last_stats_ : nullptr; }
    // The current run of the agent (its boot time, µs); 0 until known.
    uint64_t boot_us() const { return boot_us_; }
    nlohmann::json status() const;

private:
    void on_digest(const zmq::message_t& body, nmf::Recorder& recorder, double now);
    void on_event(const zmq::message_t& body, nmf::Recorder& recorder, double now);
    // Notes that the agent is heard, and a new boot (a restart after the first).
    void seen(nmf::Recorder& recorder, uint64_t boot_us, double now);
    void check_seq(nmf::Recorder& recorder, const char* stream, uint64_t& last, uint64_t seq, uint64_t& gaps,
                   uint64_t& lost, double now);
    void publish_status(nmf::Recorder& recorder);

    AgentEndpoint endpoint_;
    zmq::socket_t stream_;
    std::optional<zmq::socket_t> commands_;
    bool connected_ = false;
    bool goodbye_ = false;
    uint64_t boot_us_ = 0;
    uint64_t digest_seq_ = 0, event_seq_ = 0;  // last seen in this boot, 0 before any
    double first_seen_ = 0, last_seen_ = 0;
    nlohmann::json last_hello_;
    std::optional<proto::StatsEvent> last_stats_;
    uint64_t next_order_ = 1;
    AgentCounters counters_;
};

}  // namespace spin::controller
