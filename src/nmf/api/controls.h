// What the API asks of the process around the NMF (the controller): the
// live state of the agents and the blocks that need orders to agents.  The
// NMF defines the interface; it knows nothing of how orders travel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace spin::nmf {

// POST /api/v1/blocks, validated (docs/api.md, "Blocks").
struct BlockRequest {
    enum class Kind { quarantine, remote, name };
    Kind kind = Kind::quarantine;
    std::string mac;     // aa:bb:cc:dd:ee:ff, lower case
    std::string remote;  // kind remote: an address or prefix
    std::string domain;  // kind name: a DNS name or *.name
    double expires = 0;  // seconds since the epoch; 0: until removed
    std::string reason;  // free text from the user
};

const char* to_string(BlockRequest::Kind kind);

// The outcome of creating or removing a block.
struct BlockOutcome {
    int status = 200;  // HTTP status: 200 / 201, 404 no such block, 409 conflict, 503 no agent to order
    nlohmann::json body;
};

class Controls {
public:
    virtual ~Controls() = default;
    virtual nlohmann::json agents() = 0;
    virtual nlohmann::json blocks(bool include_removed) = 0;
    // Orders the agents that see the device and waits for their answers (up
    // to the order timeout); the body reports each agent's.
    virtual BlockOutcome create_block(const BlockRequest& request) = 0;
    virtual BlockOutcome remove_block(int64_t id) = 0;
    // A user changed a device (PATCH): an event for the log and the stream.
    virtual void user_action(const std::string& mac, const nlohmann::json& change) = 0;
};

}  // namespace spin::nmf
