// The reverse firewall's decisions (docs/detection.md, "Response"): alerts
// in, orders out through the block manager, each decision an event of type
// `decision` with its evidence and a sentence.
//
// An agent's reflex has already quarantined the device it names; the
// controller has the last word and keeps that quarantine as one of its
// blocks, so that every agent that sees the device holds it, the API lists
// it and the owner lifts it with one command (`spinctl unblock ID`), which
// lifts the agent's rule too.  Runs on the ingest thread.
#pragma once

#include "controller/block_manager.h"
#include "nmf/ingest/alert.h"
#include "nmf/ingest/recorder.h"

namespace spin::controller {

class Response {
public:
    Response(BlockManager& blocks, nmf::Recorder& recorder) : blocks_(blocks), recorder_(recorder) {}

    // Acts on one alert; `now` is the controller's clock.
    void on_alert(const nmf::Alert& alert, double now);

private:
    void keep_reflex_quarantine(const nmf::Alert& alert, double now);
    void decision(const nmf::Alert& alert, const std::string& stage, nlohmann::json evidence,
                  const std::string& message);

    BlockManager& blocks_;
    nmf::Recorder& recorder_;
};

}  // namespace spin::controller
