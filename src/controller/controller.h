// spin-controller's core: agent sessions feed the NMF recorder on one ingest
// thread (which also owns the agents' sockets and the block manager); a store
// thread commits; the API serves from the store and asks this class (as
// nmf::Controls) for what only the ingest thread may touch.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <zmq.hpp>

#include "controller/agent_session.h"
#include "controller/block_manager.h"
#include "controller/controller_config.h"
#include "controller/export/device_totals.h"
#include "controller/export/ipfix_exporter.h"
#include "controller/export/metrics_server.h"
#include "controller/export/mqtt_exporter.h"
#include "controller/mud/mud_manager.h"
#include "controller/response/response.h"
#include "controller/store_thread.h"
#include "nmf/api/api_server.h"
#include "nmf/api/controls.h"
#include "nmf/api/event_hub.h"
#include "nmf/ingest/recorder.h"
#include "nmf/model/oui_database.h"

namespace spin::controller {

class Controller : public nmf::Controls {
public:
    // Opens the store (migrating it), reloads the model, connects to the
    // agents and starts the API.  Throws on what cannot be set up.
    explicit Controller(const ControllerConfig& config);
    ~Controller() override;

    // The ingest loop, on the calling thread, until `stop` is set; then
    // commits what it holds.
    void run(const std::atomic<bool>& stop);
    nlohmann::json stats() const;

    nmf::ControlResult agents() override;
    nmf::ControlResult status() override;
    nmf::ControlResult blocks(bool include_removed) override;
    nmf::ControlResult create_block(const nmf::BlockRequest& request) override;
    nmf::ControlResult remove_block(int64_t id) override;
    nmf::ControlResult mud_devices() override;
    nmf::ControlResult mud_assign(const nmf::MudRequest& request) override;
    nmf::ControlResult mud_conformance(const std::string& mac) override;
    nmf::ControlResult mud_set_mode(const std::string& mac, const std::string& mode) override;
    nmf::ControlResult mud_accept(const std::string& mac) override;
    nmf::ControlResult mud_remove(const std::string& mac) override;
    nmf::ControlResult mud_learn(const std::string& mac, double from, double to) override;
    nmf::ControlResult mud_diff(const std::string& mac, double from, double to) override;
    nmf::ControlResult overrides(const std::string& device) override;
    nmf::ControlResult create_override(const nmf::OverrideRequest& request) override;
    nmf::ControlResult remove_override(int64_t id) override;
    void user_action(const std::string& mac, const nlohmann::json& change) override;

private:
    // Runs `job` on the ingest thread and waits for its result.
    nmf::ControlResult on_ingest_thread(std::function<void(BlockManager::Done)> job, double timeout);
    void run_jobs();
    void flush();
    void start_exports();
    // /metrics: the status's figures, the agents' own counters, the devices' series.
    std::optional<std::string> metrics_text();

    const ControllerConfig& config_;
    nmf::OuiDatabase oui_;
    nmf::Recorder recorder_;
    std::unique_ptr<StoreThread> store_;
    zmq::context_t ctx_;
    std::optional<transport::CurveKeyPair> keys_;
    std::vector<std::unique_ptr<AgentSession>> sessions_;
    std::unique_ptr<BlockManager> blocks_;
    std::unique_ptr<MudManager> mud_;
    std::unique_ptr<Response> response_;
    nmf::EventHub hub_;
    nmf::QueryPool queries_;
    std::unique_ptr<nmf::ApiServer> api_;
    std::unique_ptr<MetricsServer> metrics_;  // export.prometheus
    DeviceTotals device_totals_;              // its per-device series
    std::unique_ptr<IpfixExporter> ipfix_;    // export.ipfix
    std::unique_ptr<MqttExporter> mqtt_;      // export.mqtt

    std::mutex jobs_mutex_;
    std::deque<std::function<void()>> jobs_;
};

}  // namespace spin::controller
