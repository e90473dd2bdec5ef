// The reverse firewall's decisions (docs/detection.md, "Response"): alerts
// in, orders out, each decision an event of type `decision` with its
// evidence and a sentence.
//
// Per device the response climbs alert -> restrict -> quarantine, by the
// first rule of `response.rules` that matches the alert's detector and
// strength; it never climbs down by itself (a decision with a duration
// expires, and the owner lifts what they will):
//   alert       the owner is told (the alert and the decision are events);
//   restrict    the device is held to its MUD profile in enforce mode, or,
//               without one, to a profile learnt from what it did in the
//               days before the alert (docs/mud.md, "Learning");
//   quarantine  a quarantine block, ordered to every agent that sees it.
// An agent's reflex has already quarantined the device it names: the
// controller keeps that quarantine as one of its blocks, so the owner
// lifts it with one command (`spinctl unblock ID`), at the agent too.
// The stage is in the device's JSON (`stage`).  The user's overrides
// (overrides.h) come first: an allowed device's alerts are told and nothing
// is done; a pinned device's stage stays where the pin holds it.  Runs on
// the ingest thread.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "controller/block_manager.h"
#include "controller/mud/mud_manager.h"
#include "controller/response/overrides.h"
#include "controller/response/response_config.h"
#include "nmf/detect/stage.h"
#include "nmf/ingest/alert.h"
#include "nmf/ingest/recorder.h"

namespace spin::controller {

class Response {
public:
    // `db_path`: the store (already migrated); the overrides in force are reloaded.
    Response(const ResponseConfig& config, const std::string& db_path, BlockManager& blocks, MudManager& mud,
             nmf::Recorder& recorder)
        : config_(config), blocks_(blocks), mud_(mud), recorder_(recorder), overrides_(db_path) {}

    // Acts on one alert; `now` is the controller's clock.
    void on_alert(const nmf::Alert& alert, double now);
    // Notices blocks the owner lifted, lapses overrides; call every loop.
    void tick(double now);

    // The API's overrides (docs/api.md, "Overrides").
    nmf::ControlResult overrides(const std::string& device) const;
    nmf::ControlResult create_override(const nmf::OverrideRequest& request, double now);
    nmf::ControlResult remove_override(int64_t id, double now);

    // The rule an alert falls under (nullptr: none).
    const ResponseRule* rule_for(const nmf::Alert& alert) const;
    nmf::Stage stage(const std::string& mac) const;

private:
    struct DeviceState {
        nmf::Stage stage = nmf::Stage::none;
        std::string detector;  // of the decision that set the stage
        int64_t block = 0;     // the quarantine block, while in force
        // How restrict was done, to undo it: "" (not restricted), "learnt"
        // (a learnt profile assigned), or the MUD mode it had before.
        std::string restricted_from;
        double restricted_until = 0;  // a restrict rule's `for` (0: until lifted)
    };

    void keep_reflex_quarantine(const nmf::Alert& alert, double now);
    // Orders the device's quarantine through the block manager; the block in force, 0 if none could be ordered.
    int64_t order_quarantine(const std::string& device, const std::string& reason, double expires, double now);
    // Each returns the evidence of what was done, with "action".
    nlohmann::json restrict(const nmf::Alert& alert, double now);
    nlohmann::json quarantine(const nmf::Alert& alert, const ResponseRule& rule, double now);
    void set_stage(const std::string& mac, nmf::Stage stage, const std::string& detector);
    // Takes a device to `stage` for an override: lifts the block and the restriction the response made
    // above it, or applies them; a decision event says why.
    void move_to(const std::string& mac, nmf::Stage stage, const std::string& why, double now);
    void decision(const nmf::Alert& alert, nmf::Stage stage, nlohmann::json evidence, const std::string& message);

    ResponseConfig config_;
    BlockManager& blocks_;
    MudManager& mud_;
    nmf::Recorder& recorder_;
    Overrides overrides_;
    static constexpr size_t kMaxDevices = 4096;  // past it, devices only at `alert` are forgotten
    std::map<std::string, DeviceState> devices_;
    double last_tick_ = 0;
};

}  // namespace spin::controller
