// Blocks ordered through the API (quarantine a device, block a device from a
// remote prefix or a DNS name, optionally until a time): kept in the store,
// ordered to every agent that sees the device, and kept in force there.
//
// Per block and agent the manager reconciles what should be with what the
// agent acknowledged in its current run: an agent that restarts (losing
// rules from orders), reconnects, or starts seeing the device later gets the
// order again.  Orders are idempotent at the agent, so resending is safe.
// Runs on the controller's ingest thread, which owns the agents' sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/agent_session.h"
#include "nmf/api/controls.h"
#include "nmf/ingest/recorder.h"
#include "nmf/store/document_store.h"

namespace spin::controller {

class BlockManager {
public:
    using Done = std::function<void(nmf::ControlResult)>;

    // `db_path`: the store (already migrated); blocks in force are reloaded.
    BlockManager(const std::string& db_path, std::vector<std::unique_ptr<AgentSession>>& sessions,
                 nmf::Recorder& recorder, double order_timeout);

    // `done` is called (on this thread) once every agent ordered answered or
    // the order timeout passed.
    void create(const nmf::BlockRequest& request, double now, Done done);
    void remove(int64_t id, const std::string& reason, double now, Done done);
    void on_answer(const std::string& agent, const nlohmann::json& answer, double now);

    // A device's MUD policy (a device_policy rule), put in force the way a
    // block is but changed in place: a new policy for the device takes its
    // block's place (the agents replace the rule, keeping its id).  Returns
    // the block's id; a policy equal to the one in force orders nothing.
    int64_t set_policy(const proto::Rule& rule, const std::string& reason, double now);
    // Lifts the device's policy, if it has one.
    void remove_policy(const MacAddress& mac, double now);
    // The id of the block in force whose rule is the same as `rule`, 0 if none.
    int64_t in_force(const proto::Rule& rule) const;
    // The block as the API shows it (nullopt: none in force with that id).
    std::optional<nlohmann::json> find(int64_t id) const;
    // Expiry, (re)sending, completing waiters; call often (every loop).
    void tick(double now);

    nlohmann::json list(bool include_removed) const;
    size_t active() const;

private:
    struct AgentState {
        std::string state = "pending";  // pending, sent, acknowledged, refused, unanswered, no_command_channel
        uint64_t boot = 0;              // the agent run the state is about
        std::string order_id;
        double sent = 0;
        int64_t rule_id = 0, version = 0;
        std::string origin;  // of the agent's rule: "order", or "config" (its YAML had it already)
        std::string error, note;
    };
    struct Waiter {
        double deadline;
        nmf::Outcome outcome;  // when answered: created or done
        Done done;
    };
    struct Block {
        int64_t id = 0;
        nmf::BlockRequest request;
        double created = 0, removed = 0;
        std::string removed_reason;
        std::map<std::string, AgentState> agents;
        std::vector<Waiter> waiters;
        bool dirty = false;
    };

    // A new block in force: its targets, its row in the store.
    Block& add(Block b, double now);
    nlohmann::json to_json(const Block& b) const;
    // The block as a block / unblock event: the event's own id and type take
    // `id` and `type` in the log, so the block's are `block_id` and `block_type` there.
    nlohmann::json event_doc(const Block& b) const;
    // The order that puts the block's rule in force at an agent, or lifts it.
    proto::Order order(const Block& b, bool block) const;
    // An active block other than `b` with the same rule: its unblock must not be ordered.
    const Block* same_rule_in_force(const Block& b) const;
    AgentSession* session(const std::string& id) const;
    void add_targets(Block& b);
    void reconcile(Block& b, double now);
    bool settled(const Block& b) const;
    void save(Block& b);

    mutable nmf::DocumentStore store_;  // list() reads removed blocks
    std::vector<std::unique_ptr<AgentSession>>& sessions_;
    nmf::Recorder& recorder_;
    double order_timeout_;
    std::map<int64_t, Block> blocks_;                                // in force, and removed until settled
    std::map<std::string, std::pair<int64_t, std::string>> orders_;  // order id -> (block, agent)
};

}  // namespace spin::controller
