#include "controller/controller_config.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "common/private_file.h"
#include "transport/curve.h"

namespace spin::controller {

using config::At;

namespace {

// Seconds, or a number with a unit: 90s, 30m, 12h, 2d.
int64_t duration_seconds(const At& at) {
    const std::string s = at.str();
    size_t used = 0;
    double value = 0;
    try {
        value = std::stod(s, &used);
    } catch (const std::exception&) {
        at.fail(fmt::format("'{}' is not a duration (e.g. 3600, 90s, 30m, 12h, 2d)", s));
    }
    const std::string unit = s.substr(used);
    const double scale = unit.empty() || unit == "s" ? 1
                         : unit == "m"               ? 60
                         : unit == "h"               ? 3600
                         : unit == "d"               ? 86400
                                                     : 0;
    if (scale == 0) at.fail(fmt::format("'{}' has an unknown unit '{}' (s, m, h or d)", s, unit));
    const double seconds = value * scale;
    if (!(seconds >= 60) || seconds > 100.0 * 365 * 86400)
        at.fail(fmt::format("'{}' is out of range 60 s..100 years", s));
    return static_cast<int64_t>(seconds);
}

void read_agent(const At& at, ControllerConfig& c) {
    at.only({"id", "publish", "commands", "server_key"});
    AgentEndpoint a;
    if (!at.has("id")) at.fail("needs an id");
    if (!at.has("publish")) at.fail("needs publish (the agent's digests.publish endpoint)");
    a.id = at.child("id").str();
    a.publish = at.child("publish").str();
    if (at.has("commands")) a.commands = at.child("commands").str();
    if (at.has("server_key")) a.server_key = at.child("server_key").str();
    for (const auto& other : c.agents)
        if (other.id == a.id) at.child("id").fail(fmt::format("agent '{}' is listed twice", a.id));
    c.agents.push_back(std::move(a));
}

}  // namespace

bool is_loopback_host(const std::string& host) {
    return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

std::pair<std::string, uint16_t> split_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw ConfigError(fmt::format("listen address '{}' must be HOST:PORT (e.g. 127.0.0.1:8080)", listen));
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port = listen.substr(colon + 1);
    char* end = nullptr;
    const unsigned long p = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p > 65535)
        throw ConfigError(fmt::format("listen address '{}': '{}' is not a port (0..65535)", listen, port));
    return {host, static_cast<uint16_t>(p)};
}

AgentEndpoint parse_agent_option(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw ConfigError(fmt::format("--agent '{}' must be ID=PUBLISH_ENDPOINT[,COMMAND_ENDPOINT]", text));
    AgentEndpoint a;
    a.id = text.substr(0, eq);
    const std::string rest = text.substr(eq + 1);
    const auto comma = rest.find(',');
    a.publish = rest.substr(0, comma);
    if (comma != std::string::npos) a.commands = rest.substr(comma + 1);
    if (a.publish.empty() || (comma != std::string::npos && a.commands.empty()))
        throw ConfigError(fmt::format("--agent '{}' must be ID=PUBLISH_ENDPOINT[,COMMAND_ENDPOINT]", text));
    return a;
}

void add_agent(ControllerConfig& config, AgentEndpoint agent) {
    for (auto& a : config.agents)
        if (a.id == agent.id) {
            if (agent.server_key.empty()) agent.server_key = a.server_key;
            a = std::move(agent);
            return;
        }
    config.agents.push_back(std::move(agent));
}

ControllerConfig parse_controller_config(const std::string& yaml, const std::string& origin) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        throw ConfigError(fmt::format("{}: not valid YAML: {}", origin, e.what()));
    }
    ControllerConfig c;
    if (!root || root.IsNull()) return c;
    const At top{root, ""};
    if (!root.IsMap()) throw ConfigError(fmt::format("{}: must be a mapping of sections", origin));
    top.only({"agents", "curve", "store", "api", "orders", "agent_timeout", "oui_dir", "mud", "detect", "response",
              "ui", "export"});
    if (top.has("agents")) {
        const At list = top.child("agents");
        if (!list.node.IsSequence()) list.fail("must be a list of agents");
        for (size_t i = 0; i < list.node.size(); ++i) read_agent(At{list.node[i], fmt::format("agents[{}]", i)}, c);
    }
    if (top.has("curve")) {
        const At curve = top.child("curve");
        curve.only({"secret_key_file"});
        if (curve.has("secret_key_file")) c.curve_secret_key_file = curve.child("secret_key_file").str();
    }
    if (top.has("store")) {
        const At store = top.child("store");
        store.only({"path", "retention", "flush_interval", "rows_per_device_minute", "new_remotes_per_device_minute"});
        if (store.has("rows_per_device_minute"))
            c.row_limits.rows = store.child("rows_per_device_minute").uint(1, 1'000'000);
        if (store.has("new_remotes_per_device_minute"))
            c.row_limits.new_remotes =
                static_cast<uint32_t>(store.child("new_remotes_per_device_minute").uint(0, 1'000'000));
        if (store.has("path")) c.db = store.child("path").str();
        if (store.has("flush_interval")) c.flush_interval = store.child("flush_interval").seconds(0.05, 1);
        if (store.has("retention")) {
            const At r = store.child("retention");
            r.only({"minutes", "hours", "days"});
            if (r.has("minutes")) c.retention.minutes = duration_seconds(r.child("minutes"));
            if (r.has("hours")) c.retention.hours = duration_seconds(r.child("hours"));
            if (r.has("days")) c.retention.days = duration_seconds(r.child("days"));
        }
    }
    if (top.has("api")) {
        const At api = top.child("api");
        api.only({"listen", "token", "token_file", "max_body", "threads", "max_streams", "hosts"});
        if (api.has("listen")) c.listen = api.child("listen").str();
        if (api.has("token")) c.token = api.child("token").str();
        if (api.has("token_file")) c.token = read_token_file(api.child("token_file"));
        if (api.has("max_body")) c.max_body = api.child("max_body").uint(256, 64 << 20);
        if (api.has("threads")) c.api_threads = static_cast<uint32_t>(api.child("threads").uint(2, 1024));
        // Unset: up to 4, and never more than half the threads.
        c.api_max_streams = std::max(1u, std::min(4u, c.api_threads / 2));
        if (api.has("max_streams")) c.api_max_streams = static_cast<uint32_t>(api.child("max_streams").uint(1, 1023));
        if (api.has("hosts")) {
            const At hosts = api.child("hosts");
            if (!hosts.node.IsSequence()) hosts.fail("must be a list of host names");
            for (size_t i = 0; i < hosts.node.size(); ++i) {
                const At h{hosts.node[i], fmt::format("{}[{}]", hosts.path, i)};
                const std::string name = h.str();
                if (name.empty() || name.find_first_of(" :/[]") != std::string::npos)
                    h.fail("must be a host name such as spin.home (no port, no scheme)");
                c.api_hosts.push_back(name);
            }
        }
        if (c.api_max_streams >= c.api_threads)
            api.fail(fmt::format("max_streams ({}) must be below threads ({}): streams would hold every thread",
                                 c.api_max_streams, c.api_threads));
    }
    if (top.has("export")) read_export_config(top.child("export"), c.exports);
    if (top.has("ui")) {
        const At ui = top.child("ui");
        ui.only({"enabled", "dir"});
        if (ui.has("enabled")) c.ui = ui.child("enabled").boolean();
        if (ui.has("dir")) c.ui_dir = ui.child("dir").str();
    }
    if (top.has("orders")) {
        const At orders = top.child("orders");
        orders.only({"timeout"});
        if (orders.has("timeout")) c.order_timeout = orders.child("timeout").seconds(0.1, 60);
    }
    if (top.has("agent_timeout")) c.agent_timeout = top.child("agent_timeout").seconds(1, 3600);
    if (top.has("oui_dir")) c.oui_dir = top.child("oui_dir").str();
    if (top.has("mud")) read_mud_config(top.child("mud"), c.mud);
    if (top.has("detect")) read_detect_config(top.child("detect"), c.detect);
    if (top.has("response")) read_response_config(top.child("response"), c.response);
    return c;
}

std::string read_token_file(const At& at) {
    try {
        return read_token_file(at.str());
    } catch (const ConfigError& e) {
        at.fail(e.what());
    }
}

std::string read_token_file(const std::string& path) {
    if (const std::string mode = open_to_others(path); !mode.empty())
        throw ConfigError(fmt::format("'{}' may be read by other users (mode {}): chmod 600 it", path, mode));
    const auto line = first_line(path);
    if (!line) throw ConfigError(fmt::format("cannot read '{}'", path));
    const std::string& token = *line;
    if (token.empty()) throw ConfigError(fmt::format("'{}' holds no token on its first line", path));
    return token;
}

std::string default_ui_dir() {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    for (const char* relative : {"../share/spin/ui", "../ui/ui"}) {
        const std::filesystem::path dir = (exe.parent_path() / relative).lexically_normal();
        if (std::filesystem::is_regular_file(dir / "index.html", ec)) return dir.string();
    }
    return {};
}

ControllerConfig load_controller_config(const std::string& path) {
    return parse_controller_config(config::read_config_file(path), path);
}

void validate(const ControllerConfig& c) {
    const auto [host, port] = split_listen(c.listen);
    if (c.token.empty() && !is_loopback_host(host))
        throw ConfigError(fmt::format(
            "api.listen {} is not loopback: set api.token (or api.token_file) so that the API needs a bearer token",
            c.listen));
    if (!c.exports.prometheus_listen.empty()) {
        const auto [metrics_host, metrics_port] = split_listen(c.exports.prometheus_listen);
        if (c.token.empty() && !is_loopback_host(metrics_host))
            throw ConfigError(
                fmt::format("export.prometheus.listen {} is not loopback: set api.token, which /metrics "
                            "then needs too (the metrics name the home's devices)",
                            c.exports.prometheus_listen));
    }
    if (c.retention.minutes > c.retention.hours || c.retention.hours > c.retention.days)
        throw ConfigError("store.retention: minutes must be kept no longer than hours, and hours no longer than days");
    bool curve = false;
    for (const auto& a : c.agents) {
        if (a.id.empty() || a.id.size() > 255)
            throw ConfigError(fmt::format("agent id '{}' must be 1..255 characters (the agent's agent.id)", a.id));
        if (!a.server_key.empty()) {
            curve = true;
            continue;
        }
        for (const std::string* endpoint : {&a.publish, &a.commands})
            if (!endpoint->empty() && !transport::is_local_endpoint(*endpoint))
                throw ConfigError(
                    fmt::format("agent {}: '{}' is not loopback or ipc://; plain ZeroMQ would carry the home's traffic "
                                "records and orders unprotected: give the agent's server_key (CURVE)",
                                a.id, *endpoint));
    }
    validate_mud_config(c.mud);
    if (curve && c.curve_secret_key_file.empty())
        throw ConfigError(
            "an agent has a server_key (CURVE) but curve.secret_key_file (the controller's key pair) is not set");
}

}  // namespace spin::controller
