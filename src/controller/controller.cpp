#include "controller/controller.h"

#include <cerrno>
#include <chrono>
#include <future>
#include <thread>

#include "common/log.h"
#include "common/service_notify.h"
#include "common/wall_clock.h"
#include "controller/export/prometheus_detail.h"
#include "controller/export/prometheus_text.h"
#include "nmf/store/model_rows.h"

namespace spin::controller {

using nlohmann::json;

namespace {

nmf::OuiDatabase load_oui(const std::string& dir) {
    try {
        return nmf::OuiDatabase::load(dir);
    } catch (const std::exception& e) {
        log_warn("no MAC vendors: {} (install ieee-data, or set oui_dir)", e.what());
        return nmf::OuiDatabase{};
    }
}

nmf::ApiConfig api_config(const ControllerConfig& c) {
    nmf::ApiConfig a;
    std::tie(a.host, a.port) = split_listen(c.listen);
    a.token = c.token;
    a.max_body = c.max_body;
    a.threads = c.api_threads;
    a.max_streams = c.api_max_streams;
    a.hosts = c.api_hosts;
    if (c.ui) a.ui_dir = c.ui_dir.empty() ? default_ui_dir() : c.ui_dir;
    return a;
}

}  // namespace

Controller::Controller(const ControllerConfig& config)
    : config_(config),
      oui_(load_oui(config.oui_dir)),
      recorder_(&oui_, nmf::DeviceLimits{}, nmf::EventBudget::home(), config.row_limits, config.detect),
      store_(std::make_unique<StoreThread>(config.db, config.retention,
                                           [this](const nmf::StoreBatch& b, const std::vector<int64_t>& ids) {
                                               hub_.publish(b, ids, epoch_seconds_now());
                                           })),
      queries_(config.db, config.retention) {
    {
        nmf::Database db(config.db, nmf::Database::Mode::existing);
        const size_t devices = recorder_.restore(nmf::load_model(db));
        if (devices != 0) log_info("{} devices reloaded from {}", devices, config.db);
    }
    if (!config.curve_secret_key_file.empty()) keys_ = transport::load_secret_key(config.curve_secret_key_file);
    for (const AgentEndpoint& a : config.agents)
        sessions_.push_back(std::make_unique<AgentSession>(ctx_, a, keys_ ? &*keys_ : nullptr));
    blocks_ = std::make_unique<BlockManager>(config.db, sessions_, recorder_, config.order_timeout);
    mud_ = std::make_unique<MudManager>(config.mud, config.db, *blocks_, recorder_);
    response_ = std::make_unique<Response>(config.response, config.db, *blocks_, *mud_, recorder_);
    start_exports();
    api_ = std::make_unique<nmf::ApiServer>(api_config(config), queries_, *this, hub_);
    api_->start();
    log_info("API on http://{}:{}/api/v1 ({}), store {}, {} agents", split_listen(config.listen).first, api_->port(),
             config.token.empty() ? "no token" : "bearer token", config.db, sessions_.size());
    if (api_->ui_files() > 0)
        log_info("web UI on http://{}:{}/", split_listen(config.listen).first, api_->port());
    else if (config.ui)
        log_warn("no web UI: its built files were not found (build them with tools/build, or set ui.dir)");
    if (!config.exports.prometheus_listen.empty()) {
        MetricsServer::Config m;
        std::tie(m.host, m.port) = split_listen(config.exports.prometheus_listen);
        m.token = config.token;
        m.hosts = config.api_hosts;
        metrics_ = std::make_unique<MetricsServer>(m, [this] { return metrics_text(); });
        metrics_->start();
        log_info("Prometheus metrics on http://{}:{}/metrics", m.host, metrics_->port());
    }
}

void Controller::start_exports() {
    const ExportConfig& e = config_.exports;
    if (!e.ipfix.collector.empty()) {
        std::vector<std::string> ids;
        for (const auto& s : sessions_) ids.push_back(s->id());
        ipfix_ = std::make_unique<IpfixExporter>(e.ipfix, ids, epoch_seconds_now());
        log_info("IPFIX to {} over {}", e.ipfix.collector,
                 e.ipfix.transport == CollectorLink::Transport::udp ? "UDP" : "TCP");
    }
    if (!e.mqtt.broker.empty()) {
        mqtt_ = std::make_unique<MqttExporter>(e.mqtt, recorder_.model(), *blocks_);
        recorder_.set_event_observer([this](const proto::Event& ev) { mqtt_->on_event(ev); });
        log_info("MQTT to {}{}{}", e.mqtt.broker, e.mqtt.discovery_prefix.empty() ? "" : ", Home Assistant discovery",
                 e.mqtt.spin_feed ? ", the SPIN 1.0 feed" : "");
    }
    const bool per_device = !e.prometheus_listen.empty() && e.prometheus_max_devices != 0;
    if (ipfix_ || mqtt_ || per_device)
        recorder_.set_flow_observer([this, per_device](const std::string& agent, const proto::FlowRecord& r,
                                                       const nmf::TrafficCounters& added) {
            if (ipfix_) ipfix_->on_flow(agent, r, added);
            if (mqtt_) mqtt_->on_flow(r, added);
            if (per_device) device_totals_.on_flow(r, added);
        });
}

std::optional<std::string> Controller::metrics_text() {
    const auto r = on_ingest_thread(
        [this](BlockManager::Done done) {
            json agents = json::array();
            std::vector<AgentStats> counters;
            for (const auto& s : sessions_) {
                agents.push_back(s->status());
                counters.push_back({s->id(), s->agent_counters()});
            }
            std::string text = prometheus_text(stats(), agents);
            text += agent_counters_text(counters);
            if (config_.exports.prometheus_max_devices != 0)
                text += device_text(device_totals_.series(recorder_.model(), config_.exports.prometheus_max_devices),
                                    device_totals_.untracked());
            done({nmf::Outcome::done, std::move(text)});
        },
        5);
    if (r.outcome != nmf::Outcome::done) return std::nullopt;
    return r.body.get<std::string>();
}

Controller::~Controller() {
    if (metrics_) metrics_->stop();
    api_->stop();
    store_->stop();
}

void Controller::run(const std::atomic<bool>& stop) {
    std::vector<zmq::pollitem_t> items;
    for (auto& s : sessions_) {
        items.push_back({s->stream().handle(), 0, ZMQ_POLLIN, 0});
        if (s->commands() != nullptr) items.push_back({s->commands()->handle(), 0, ZMQ_POLLIN, 0});
    }
    double last_flush = epoch_seconds_now(), last_status = last_flush;
    bool warned_backlog = false;
    ServiceNotifier service;  // systemd: ready now the API serves; the watchdog hears from each turn of this loop
    service.ready(fmt::format("{} agent(s)", sessions_.size()));
    while (!stop.load()) {
        service.alive();
        try {
            if (!items.empty())
                zmq::poll(items, std::chrono::milliseconds(10));
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR) throw;  // a signal: the loop condition decides
        }
        double now = epoch_seconds_now();
        for (auto& s : sessions_) {
            s->read_stream(recorder_, now, 1024);
            if (s->take_goodbye()) {
                // What the agent sent before its goodbye is in the store
                // before anyone reads it as gone (bounded: a slow disk
                // delays the goodbye, never ingest for long).
                flush();
                if (!store_->wait_written(std::chrono::seconds(2)))
                    log_warn("agent {} said goodbye; the store is still writing what it sent", s->id());
                s->leave(recorder_, now);
            }
            for (const json& answer : s->read_answers()) blocks_->on_answer(s->id(), answer, now);
        }
        for (const nmf::Alert& a : recorder_.take_alerts()) {
            if (mqtt_) mqtt_->on_alert(a);
            try {
                response_->on_alert(a, now);
            } catch (const std::exception& e) {  // the store busy: the agent's own rule still holds
                log_warn("response to {}'s {} alert: {}", a.device, a.detector, e.what());
            }
        }
        run_jobs();
        now = epoch_seconds_now();
        try {
            mud_->tick(now);
            blocks_->tick(now);
            response_->tick(now);
            if (ipfix_) ipfix_->tick(now);
            if (mqtt_) mqtt_->tick(now);
        } catch (const std::exception& e) {  // the store busy or broken: try again next round
            log_warn("blocks: {}", e.what());
        }
        if (now - last_flush >= config_.flush_interval) {
            flush();
            last_flush = now;
            const size_t backlog = store_->queued();
            if (backlog > 20 && !warned_backlog) log_warn("store is {} batches behind ingest", backlog);
            warned_backlog = backlog > 20;
        }
        if (now - last_status >= 5) {
            for (auto& s : sessions_) {
                s->check_liveness(recorder_, now, config_.agent_timeout);
                recorder_.set_agent(s->id(), s->status());
            }
            last_status = now;
        }
    }
    service.stopping();
    run_jobs();  // answer what is waiting (its callers time out otherwise)
    flush();
    if (ipfix_) ipfix_->flush(epoch_seconds_now());
    store_->stop();
}

void Controller::flush() {
    nmf::StoreBatch batch = recorder_.take_batch(epoch_seconds_now());
    if (!batch.empty()) store_->push(std::move(batch));
}

void Controller::run_jobs() {
    std::deque<std::function<void()>> jobs;
    {
        std::lock_guard lock(jobs_mutex_);
        jobs.swap(jobs_);
    }
    for (auto& job : jobs) job();
}

nmf::ControlResult Controller::on_ingest_thread(std::function<void(BlockManager::Done)> job, double timeout) {
    auto promise = std::make_shared<std::promise<nmf::ControlResult>>();
    auto future = promise->get_future();
    auto answered = std::make_shared<bool>(false);
    {
        std::lock_guard lock(jobs_mutex_);
        jobs_.push_back([job = std::move(job), promise, answered] {
            try {
                job([promise, answered](nmf::ControlResult out) {
                    *answered = true;
                    promise->set_value(std::move(out));
                });
            } catch (const std::exception& e) {
                log_warn("a request failed: {}", e.what());
                if (!*answered)
                    promise->set_value({nmf::Outcome::failed, {{"error", std::string("internal error: ") + e.what()}}});
            }
        });
    }
    if (future.wait_for(std::chrono::duration<double>(timeout)) != std::future_status::ready)
        return {nmf::Outcome::busy, {{"error", "the controller did not answer in time; try again"}}};
    return future.get();
}

nmf::ControlResult Controller::agents() {
    return on_ingest_thread(
        [this](BlockManager::Done done) {
            json list = json::array();
            for (const auto& s : sessions_) list.push_back(s->status());
            done({nmf::Outcome::done, std::move(list)});
        },
        5);
}

nmf::ControlResult Controller::blocks(bool include_removed) {
    return on_ingest_thread(
        [this, include_removed](BlockManager::Done done) {
            done({nmf::Outcome::done, blocks_->list(include_removed)});
        },
        5);
}

nmf::ControlResult Controller::create_block(const nmf::BlockRequest& request) {
    return on_ingest_thread(
        [this, request](BlockManager::Done done) { blocks_->create(request, epoch_seconds_now(), std::move(done)); },
        config_.order_timeout + 2);
}

nmf::ControlResult Controller::remove_block(int64_t id) {
    return on_ingest_thread(
        [this, id](BlockManager::Done done) { blocks_->remove(id, "user", epoch_seconds_now(), std::move(done)); },
        config_.order_timeout + 2);
}

nmf::ControlResult Controller::mud_devices() {
    return on_ingest_thread([this](BlockManager::Done done) { done(mud_->devices()); }, 5);
}

nmf::ControlResult Controller::mud_assign(const nmf::MudRequest& request) {
    return on_ingest_thread(
        [this, request](BlockManager::Done done) { done(mud_->assign(request, epoch_seconds_now())); }, 5);
}

nmf::ControlResult Controller::mud_conformance(const std::string& mac) {
    return on_ingest_thread([this, mac](BlockManager::Done done) { done(mud_->conformance(mac)); }, 5);
}

nmf::ControlResult Controller::mud_set_mode(const std::string& mac, const std::string& mode) {
    return on_ingest_thread(
        [this, mac, mode](BlockManager::Done done) { done(mud_->set_mode(mac, mode, epoch_seconds_now())); }, 5);
}

nmf::ControlResult Controller::mud_accept(const std::string& mac) {
    return on_ingest_thread([this, mac](BlockManager::Done done) { done(mud_->accept(mac, epoch_seconds_now())); }, 5);
}

nmf::ControlResult Controller::mud_remove(const std::string& mac) {
    return on_ingest_thread([this, mac](BlockManager::Done done) { done(mud_->remove(mac, epoch_seconds_now())); }, 5);
}

nmf::ControlResult Controller::mud_learn(const std::string& mac, double from, double to) {
    return on_ingest_thread(
        [this, mac, from, to](BlockManager::Done done) { done(mud_->learn(mac, from, to, epoch_seconds_now())); }, 5);
}

nmf::ControlResult Controller::mud_diff(const std::string& mac, double from, double to) {
    return on_ingest_thread([this, mac, from, to](BlockManager::Done done) { done(mud_->diff(mac, from, to)); }, 5);
}

nmf::ControlResult Controller::overrides(const std::string& device) {
    return on_ingest_thread([this, device](BlockManager::Done done) { done(response_->overrides(device)); }, 5);
}

nmf::ControlResult Controller::create_override(const nmf::OverrideRequest& request) {
    return on_ingest_thread(
        [this, request](BlockManager::Done done) { done(response_->create_override(request, epoch_seconds_now())); },
        config_.order_timeout + 2);
}

nmf::ControlResult Controller::remove_override(int64_t id) {
    return on_ingest_thread(
        [this, id](BlockManager::Done done) { done(response_->remove_override(id, epoch_seconds_now())); }, 5);
}

void Controller::user_action(const std::string& mac, const json& change) {
    std::lock_guard lock(jobs_mutex_);
    jobs_.push_back([this, mac, change] {
        recorder_.confirm_device(mac);  // a device the user speaks of is kept
        recorder_.note("user_action", epoch_seconds_now(), mac, "", {{"change", change}});
    });
}

json Controller::stats() const {
    const auto& a = recorder_.accounting();
    const auto& r = recorder_.stats();
    const auto& m = recorder_.model();
    const auto& dropped = m.dropped();
    const auto w = store_->stats();
    json doc{
        {"ingest",
         {{"records", a.records},
          {"counted", a.counted},
          {"duplicates", a.duplicates},
          {"no_device", a.no_device},
          {"takeovers", a.takeovers},
          {"regressions", a.regressions},
          {"flows_tracked", a.tracked},
          {"flows_restored", a.restored},
          {"agent_events", r.agent_events},
          {"events_refused", r.events_refused}}},
        {"model",
         {{"devices", m.devices().size()},
          {"tentative", m.tentative()},
          {"devices_evicted", dropped.devices_evicted},
          {"devices_expired", dropped.devices_expired},
          {"dropped",
           {{"ips", dropped.ips}, {"names", dropped.names}, {"resolved", dropped.resolved}, {"text", dropped.text}}}}},
        {"events", {{"written", r.nmf_events}, {"suppressed", recorder_.events_suppressed()}}},
        {"traffic",
         {{"remotes_aggregated", r.remotes_aggregated},
          {"destinations_pruned", r.destinations_pruned},
          {"behaviours_dropped", recorder_.behaviours_dropped()}}},
        {"store",
         {{"batches", w.batches},
          {"batches_failed", w.batches_failed},
          {"batches_shed", store_->shed()},
          {"queued", store_->queued()},
          {"traffic_rows", w.traffic_rows},
          {"error", store_->error()}}},
        {"mud", mud_->stats()},
        {"detect", recorder_.detection().stats()}};
    if (api_) doc["api"] = api_->stats();
    if (ipfix_) doc["export"]["ipfix"] = ipfix_->stats();
    if (mqtt_) doc["export"]["mqtt"] = mqtt_->stats();
    return doc;
}

nmf::ControlResult Controller::status() {
    return on_ingest_thread([this](BlockManager::Done done) { done({nmf::Outcome::done, stats()}); }, 5);
}

}  // namespace spin::controller
