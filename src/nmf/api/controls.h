// What the API asks of the process around the NMF (the controller): the
// live state of the agents and the blocks that need orders to agents.  The
// NMF defines the interface; it knows nothing of how orders travel.  The
// answers say how a request ended; only nmf/api turns that into an HTTP
// status (docs/architecture.md, "Errors").
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "proto/rule.h"

namespace spin::nmf {

// POST /api/v1/blocks, validated (docs/api.md, "Blocks").
struct BlockRequest {
    proto::Rule rule;    // quarantine, device_remote or device_name; canonical
    double expires = 0;  // seconds since the epoch; 0: until removed
    std::string reason;  // free text from the user
};

// POST /api/v1/overrides, validated (docs/api.md, "Overrides").
struct OverrideRequest {
    std::string device;          // MAC, canonical
    std::string detector = "*";  // allow: a detector, or "*" for all
    std::string action;          // allow, pin
    std::string stage;           // pin: none, alert, restrict, quarantine
    double duration = 0;         // seconds; 0: until deleted
    std::string reason;
};

// PUT /api/v1/devices/{mac}/mud (docs/api.md, "MUD"): a URL to fetch, or a
// profile's text; the controller parses and validates it.
struct MudRequest {
    std::string mac;      // canonical
    std::string url;      // https://...
    std::string profile;  // the MUD file's text, when given directly
    std::string mode;     // "" keeps the device's (or the configured default)
};

// How a request ended.  `body` is the answer, or {"error": sentence, ...}.
enum class Outcome : uint8_t {
    done,       // answered
    created,    // a new block was made
    not_found,  // no such block
    conflict,   // the request contradicts what is there (a block that already does this, one already removed)
    invalid,    // well-formed, but what it gives cannot be used (a broken MUD file, an unknown mode)
    no_agent,   // no agent can take the order
    busy,       // the controller did not answer in time
    failed,     // an internal error
};

struct ControlResult {
    Outcome outcome = Outcome::done;
    nlohmann::json body;
};

class Controls {
public:
    virtual ~Controls() = default;
    virtual ControlResult agents() = 0;
    // The controller's own counters: ingest, model, events, store (docs/api.md, "Status").
    virtual ControlResult status() = 0;
    virtual ControlResult blocks(bool include_removed) = 0;
    // Orders the agents that see the device and waits for their answers (up
    // to the order timeout); the body reports each agent's.
    virtual ControlResult create_block(const BlockRequest& request) = 0;
    virtual ControlResult remove_block(int64_t id) = 0;
    // MUD (docs/api.md, "MUD"): every device with a profile; assign one;
    // a device's conformance; its mode; take the URL it announced since;
    // forget its profile.
    virtual ControlResult mud_devices() = 0;
    virtual ControlResult mud_assign(const MudRequest& request) = 0;
    virtual ControlResult mud_conformance(const std::string& mac) = 0;
    virtual ControlResult mud_set_mode(const std::string& mac, const std::string& mode) = 0;
    virtual ControlResult mud_accept(const std::string& mac) = 0;
    virtual ControlResult mud_remove(const std::string& mac) = 0;
    // A profile learnt from what the device did in [from, to) (the MUD
    // file's JSON), and that behaviour against the profile it is held to.
    virtual ControlResult mud_learn(const std::string& mac, double from, double to) = 0;
    virtual ControlResult mud_diff(const std::string& mac, double from, double to) = 0;
    // The user's overrides of the reverse firewall (docs/api.md, "Overrides"):
    // those in force (of one device, or all with ""), a new one, one lifted.
    virtual ControlResult overrides(const std::string& device) = 0;
    virtual ControlResult create_override(const OverrideRequest& request) = 0;
    virtual ControlResult remove_override(int64_t id) = 0;
    // A user changed a device (PATCH): an event for the log and the stream.
    virtual void user_action(const std::string& mac, const nlohmann::json& change) = 0;
};

}  // namespace spin::nmf
