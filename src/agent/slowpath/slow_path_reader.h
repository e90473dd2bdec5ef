// The control side of the slow path: takes the workers' copies off their
// queues, turns them into events (EventBuilder) and hands them to a sink.
// Frees every copy it takes.
#pragma once

#include <functional>
#include <vector>

#include "agent/slowpath/event_builder.h"
#include "dataplane/slow_path.h"

namespace spin::slowpath {

class SlowPathReader {
public:
    using Sink = std::function<void(proto::Event)>;
    SlowPathReader(std::vector<dp::SlowQueue*> queues, EventBuilder& builder, Sink sink);

    // Handles up to `budget` copies; returns how many it handled.
    unsigned poll(unsigned budget = 1024);
    // Releases every answer a worker holds whose copy poll() handled: call
    // once what they taught is in force (the rules have nothing unpublished).
    void release_held();
    bool holding() const { return holding_; }

private:
    std::vector<dp::SlowQueue*> queues_;
    std::vector<uint32_t> handled_hold_;  // per queue, the last hold sequence handled
    bool holding_ = false;
    EventBuilder& builder_;
    Sink sink_;
    std::vector<uint8_t> linear_;
    std::vector<proto::Event> events_;
};

}  // namespace spin::slowpath
