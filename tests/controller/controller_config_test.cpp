// controller.yaml and the command line: every key read, every mistake named.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "controller/controller_config.h"

using namespace spin::controller;

namespace {

std::string error_of(const std::string& yaml) {
    try {
        validate(parse_controller_config(yaml, "test.yaml"));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(ControllerConfig, ShippedFileParses) {
    const ControllerConfig c = load_controller_config(std::string(SPIN_SOURCE_DIR) + "/config/controller.yaml");
    validate(c);
    EXPECT_TRUE(c.agents.empty());  // they come from --agent, or from the commented example
    EXPECT_EQ(c.retention.minutes, 2 * 86400);
    EXPECT_EQ(c.retention.hours, 60 * 86400);
    EXPECT_EQ(c.retention.days, 730 * 86400);
    EXPECT_EQ(c.listen, "127.0.0.1:8080");
}

TEST(ControllerConfig, EveryKey) {
    const ControllerConfig c = parse_controller_config(R"(
agents:
  - {id: a1, publish: "tcp://127.0.0.1:1", commands: "tcp://127.0.0.1:2"}
  - {id: a2, publish: "ipc:///run/spin/a2"}
curve: {secret_key_file: /etc/spin/ctl.key}
store:
  path: /var/lib/spin/spin.db
  flush_interval: 0.25
  rows_per_device_minute: 2000
  new_remotes_per_device_minute: 100
  retention: {minutes: 36h, hours: 90d, days: 3650}
api: {listen: "[::1]:9000", token: abc, max_body: 4096, threads: 4, max_streams: 3, hosts: [spin.home]}
orders: {timeout: 1.5}
agent_timeout: 30
oui_dir: /tmp/oui
ui: {enabled: false, dir: /srv/spin-ui}
export:
  prometheus: {listen: "127.0.0.1:9101", max_devices: 32}
  ipfix: {collector: "nas.home:4739", transport: tcp, template_refresh: 30, max_message: 9000, max_delay: 0.5}
  mqtt:
    broker: "broker.home:8883"
    client_id: spin-box
    username: spin
    tls: {ca_file: /etc/spin/ca.pem, cert_file: /etc/spin/c.pem, key_file: /etc/spin/c.key}
    discovery_prefix: ha
    topic_prefix: spinhome
    spin_feed: true
    away_after: 600
    state_interval: 5
    feed_interval: 2
    max_devices: 50
)",
                                                       "t");
    EXPECT_EQ(c.agents.size(), 2u);
    EXPECT_EQ(c.agents[1].commands, "");
    EXPECT_EQ(c.curve_secret_key_file, "/etc/spin/ctl.key");
    EXPECT_EQ(c.db, "/var/lib/spin/spin.db");
    EXPECT_EQ(c.flush_interval, 0.25);
    EXPECT_EQ(c.row_limits.rows, 2000u);
    EXPECT_EQ(c.row_limits.new_remotes, 100u);
    EXPECT_EQ(c.retention.minutes, 36 * 3600);
    EXPECT_EQ(c.retention.hours, 90 * 86400);
    EXPECT_EQ(c.retention.days, 3650);
    EXPECT_EQ(split_listen(c.listen), (std::pair<std::string, uint16_t>{"::1", 9000}));
    EXPECT_EQ(c.token, "abc");
    EXPECT_EQ(c.max_body, 4096u);
    EXPECT_EQ(c.api_threads, 4u);
    EXPECT_EQ(c.api_max_streams, 3u);
    EXPECT_EQ(c.api_hosts, std::vector<std::string>{"spin.home"});
    EXPECT_EQ(c.order_timeout, 1.5);
    EXPECT_EQ(c.agent_timeout, 30);
    EXPECT_EQ(c.oui_dir, "/tmp/oui");
    EXPECT_FALSE(c.ui);
    EXPECT_EQ(c.ui_dir, "/srv/spin-ui");
    EXPECT_EQ(c.exports.prometheus_listen, "127.0.0.1:9101");
    EXPECT_EQ(c.exports.prometheus_max_devices, 32u);
    EXPECT_EQ(c.exports.ipfix.collector, "nas.home:4739");
    EXPECT_EQ(c.exports.ipfix.transport, CollectorLink::Transport::tcp);
    EXPECT_EQ(c.exports.ipfix.template_refresh, 30);
    EXPECT_EQ(c.exports.ipfix.max_message, 9000u);
    EXPECT_EQ(c.exports.ipfix.max_delay, 0.5);
    const MqttConfig& m = c.exports.mqtt;
    EXPECT_EQ(m.broker, "broker.home:8883");
    EXPECT_EQ(m.client_id, "spin-box");
    EXPECT_EQ(m.username, "spin");
    EXPECT_EQ(m.ca_file, "/etc/spin/ca.pem");
    EXPECT_EQ(m.cert_file, "/etc/spin/c.pem");
    EXPECT_EQ(m.key_file, "/etc/spin/c.key");
    EXPECT_EQ(m.discovery_prefix, "ha");
    EXPECT_EQ(m.topic_prefix, "spinhome");
    EXPECT_TRUE(m.spin_feed);
    EXPECT_EQ(m.away_after, 600);
    EXPECT_EQ(m.state_interval, 5);
    EXPECT_EQ(m.feed_interval, 2);
    EXPECT_EQ(m.max_devices, 50u);
}

TEST(ControllerConfig, MistakesAreNamed) {
    EXPECT_EQ(error_of("stroe: {}"),
              "stroe (line 1): unknown key (expected one of: agent_timeout, agents, api, curve, detect, export, mud, "
              "orders, oui_dir, response, store, ui)");
    EXPECT_EQ(error_of("export: {prometheus: {listen: '0.0.0.0:9101'}}"),
              "export.prometheus.listen 0.0.0.0:9101 is not loopback: set api.token, which /metrics then needs too "
              "(the metrics name the home's devices)");
    EXPECT_EQ(error_of("export: {mqtt2: {}}"),
              "export.mqtt2 (line 1): unknown key (expected one of: ipfix, mqtt, prometheus)");
    EXPECT_EQ(error_of("export: {mqtt: {discovery_prefix: ha}}"),
              "export.mqtt (line 1): needs broker: HOST:PORT (mosquitto listens on 1883, or 8883 with TLS)");
    EXPECT_EQ(error_of("export: {mqtt: {broker: '127.0.0.1:1883', topic_prefix: 'spin/#'}}"),
              "export.mqtt.topic_prefix (line 1): 'spin/#' must be one topic level (1..64 characters, no + # / or "
              "space, not $...)");
    EXPECT_EQ(error_of("export: {mqtt: {broker: '127.0.0.1:1883', topic_prefix: SPIN}}"),
              "export.mqtt.topic_prefix (line 1): must differ from SPIN (the SPIN 1.0 feed's) and from "
              "discovery_prefix");
    EXPECT_EQ(error_of("export: {mqtt: {broker: '127.0.0.1:1883', tls: {cert_file: /c.pem}}}"),
              "export.mqtt.tls (line 1): needs ca_file: the CA that signed the broker's certificate");
    EXPECT_EQ(error_of("export: {mqtt: {broker: '127.0.0.1:1883', away_after: 1}}"),
              "export.mqtt.away_after (line 1): 1 s is out of range 10..86400");
    EXPECT_EQ(error_of("export: {ipfix: {}}"),
              "export.ipfix (line 1): needs collector: HOST:PORT (nfcapd's -p port, for one)");
    EXPECT_EQ(error_of("export: {ipfix: {collector: nfcapd}}"),
              "export.ipfix.collector (line 1): 'nfcapd' must be HOST:PORT (e.g. 192.168.1.10:4739)");
    EXPECT_EQ(error_of("export: {ipfix: {collector: '127.0.0.1:4739', transport: sctp}}"),
              "export.ipfix.transport (line 1): 'sctp' is not udp or tcp");
    EXPECT_EQ(error_of("export: {ipfix: {collector: '127.0.0.1:4739', max_message: 100}}"),
              "export.ipfix.max_message (line 1): 100 is out of range 512..65000");
    EXPECT_EQ(error_of("ui: {directory: /x}"), "ui.directory (line 1): unknown key (expected one of: dir, enabled)");
    EXPECT_EQ(error_of("ui: {enabled: maybe}"), "ui.enabled (line 1): 'maybe' is not true or false");
    EXPECT_EQ(error_of("store: {retention: {minutes: 2w}}"),
              "store.retention.minutes (line 1): '2w' has an unknown unit 'w' (s, m, h or d)");
    EXPECT_EQ(error_of("store: {retention: {minutes: soon}}"),
              "store.retention.minutes (line 1): 'soon' is not a duration (e.g. 3600, 90s, 30m, 12h, 2d)");
    EXPECT_EQ(error_of("store: {retention: {minutes: 90d}}"),
              "store.retention: minutes must be kept no longer than hours, and hours no longer than days");
    EXPECT_EQ(error_of("store: {flush_interval: 5}"), "store.flush_interval (line 1): 5 s is out of range 0.05..1");
    EXPECT_NE(error_of("store: {rows_per_device_minute: 0}").find("store.rows_per_device_minute"), std::string::npos);
    EXPECT_EQ(error_of("agents: [{id: a}]"),
              "agents[0] (line 1): needs publish (the agent's digests.publish endpoint)");
    EXPECT_EQ(error_of("agents: [{id: a, publish: 'tcp://127.0.0.1:1'}, {id: a, publish: 'tcp://127.0.0.1:2'}]"),
              "agents[1].id (line 1): agent 'a' is listed twice");
    EXPECT_EQ(error_of("api: {listen: '0.0.0.0:8080'}"),
              "api.listen 0.0.0.0:8080 is not loopback: set api.token (or api.token_file) so that the API needs a "
              "bearer token");
    EXPECT_EQ(error_of("api: {threads: 4, max_streams: 4}"),
              "api (line 1): max_streams (4) must be below threads (4): streams would hold every thread");
    EXPECT_EQ(error_of("api: {hosts: ['http://spin.home']}"),
              "api.hosts[0] (line 1): must be a host name such as spin.home (no port, no scheme)");
    EXPECT_EQ(error_of("api: {listen: 'localhost'}"),
              "listen address 'localhost' must be HOST:PORT (e.g. 127.0.0.1:8080)");
    EXPECT_EQ(error_of("agents: [{id: a, publish: 'tcp://192.0.2.1:5556'}]"),
              "agent a: 'tcp://192.0.2.1:5556' is not loopback or ipc://; plain ZeroMQ would carry the home's traffic "
              "records and orders unprotected: give the agent's server_key (CURVE)");
    EXPECT_EQ(error_of("agents: [{id: a, publish: 'tcp://192.0.2.1:5556', server_key: abc}]"),
              "an agent has a server_key (CURVE) but curve.secret_key_file (the controller's key pair) is not set");
    EXPECT_NE(error_of("api: [").find("not valid YAML"), std::string::npos);
    EXPECT_EQ(error_of(""), "");  // everything has a default
}

TEST(ControllerConfig, TokenFileMustBePrivate) {
    const std::string path = "/tmp/spin-token-" + std::to_string(getpid());
    {
        std::ofstream f(path);
        f << "s3cret\n";
    }
    chmod(path.c_str(), 0640);
    EXPECT_THROW(read_token_file(path), ConfigError);
    EXPECT_EQ(error_of("api: {token_file: '" + path + "'}"),
              "api.token_file (line 1): '" + path + "' may be read by other users (mode 640): chmod 600 it");
    chmod(path.c_str(), 0600);
    EXPECT_EQ(read_token_file(path), "s3cret");
    std::remove(path.c_str());
}

TEST(ControllerConfig, AgentOption) {
    const AgentEndpoint a = parse_agent_option("home=tcp://127.0.0.1:5556,tcp://127.0.0.1:5557");
    EXPECT_EQ(a.id, "home");
    EXPECT_EQ(a.publish, "tcp://127.0.0.1:5556");
    EXPECT_EQ(a.commands, "tcp://127.0.0.1:5557");
    EXPECT_EQ(parse_agent_option("x=ipc:///tmp/x").commands, "");
    for (const char* bad : {"home", "=tcp://x", "home=", "home=tcp://x,"})
        EXPECT_THROW(parse_agent_option(bad), ConfigError) << bad;
    ControllerConfig c =
        parse_controller_config("agents: [{id: home, publish: 'tcp://127.0.0.1:1', server_key: K}]", "t");
    add_agent(c, parse_agent_option("home=tcp://127.0.0.1:9"));
    ASSERT_EQ(c.agents.size(), 1u);
    EXPECT_EQ(c.agents[0].publish, "tcp://127.0.0.1:9");
    EXPECT_EQ(c.agents[0].server_key, "K");  // the YAML's key stays with the agent
}

}  // namespace

TEST(ControllerConfig, MudSection) {
    const ControllerConfig c = parse_controller_config(R"(
mud:
  unsigned: refuse
  default_mode: quarantine-on-violation
  local_networks: [192.168.7.0/24]
  controllers: {"urn:ietf:params:mud:ntp": [192.168.7.1, "fd00::1"]}
  my_controllers: {"https://maker.example/cam.json": [10.9.9.9]}
  fetch: false
  fetch_timeout: 5
  max_redirects: 0
)",
                                                       "test.yaml");
    EXPECT_EQ(c.mud.unsigned_files, UnsignedPolicy::refuse);
    EXPECT_EQ(c.mud.default_mode, MudMode::quarantine_on_violation);
    ASSERT_EQ(c.mud.local_networks.size(), 1u);
    EXPECT_EQ(c.mud.local_networks[0].to_string(), "192.168.7.0/24");
    EXPECT_EQ(c.mud.controllers.at("urn:ietf:params:mud:ntp").size(), 2u);
    EXPECT_EQ(c.mud.my_controllers.at("https://maker.example/cam.json")[0].to_string(), "10.9.9.9/32");
    EXPECT_FALSE(c.mud.fetch);
    EXPECT_EQ(c.mud.fetch_timeout, 5);
    EXPECT_EQ(c.mud.max_redirects, 0u);
    // Defaults: a home's private ranges, unsigned files monitored only.
    const ControllerConfig d = parse_controller_config("", "test.yaml");
    EXPECT_EQ(d.mud.local_networks.size(), 4u);
    EXPECT_EQ(d.mud.unsigned_files, UnsignedPolicy::monitor_only);
    EXPECT_EQ(d.mud.default_mode, MudMode::monitor);

    for (const auto& [yaml, says] : std::vector<std::pair<std::string, std::string>>{
             {"mud: {unsigned: maybe}", "not refuse, monitor-only or accept"},
             {"mud: {default_mode: block}", "is not monitor, enforce or quarantine-on-violation"},
             {"mud: {local_networks: [10.0.0.300/8]}", "mud.local_networks[0]"},
             {"mud: {controllers: [1, 2]}", "must map controller class URNs"},
             {"mud: {trust_anchors: [/nonexistent/anchor.pem]}", "mud.trust_anchors: cannot read"},
             {"mud: {local_dir: /nonexistent/dir}", "mud.local_dir"},
             {"mud: {fetch_timeout: 0}", "out of range 1..300"},
             {"mud: {colour: red}", "unknown key"},
         })
        EXPECT_NE(error_of(yaml).find(says), std::string::npos) << yaml << " -> " << error_of(yaml);
}

// detect: and response: (docs/configuration.md): every key read, the shipped
// file's values are the defaults, every mistake named.
TEST(ControllerConfig, DetectAndResponse) {
    const ControllerConfig shipped = load_controller_config(std::string(SPIN_SOURCE_DIR) + "/config/controller.yaml");
    const spin::nmf::DetectConfig defaults;
    EXPECT_EQ(shipped.detect.scan.thresholds.quarantine, defaults.scan.thresholds.quarantine);
    EXPECT_EQ(shipped.detect.flood.thresholds.alert, defaults.flood.thresholds.alert);
    EXPECT_EQ(shipped.detect.dns_water_torture.thresholds.restrict, defaults.dns_water_torture.thresholds.restrict);
    EXPECT_EQ(shipped.response.rules.size(), ResponseConfig::default_rules().size());

    const ControllerConfig c = parse_controller_config(R"(
detect:
  scan: {enabled: false, window: 2, exploit_ports: [23, 8080], exploit_weight: 4,
         alert: 10, restrict: 0, quarantine: 40}
  flood: {window: 3, max_return_ratio: 0.2, include_local: true, alert: 100}
  dns_water_torture: {window: 20, min_error_ratio: 0.8, quarantine: 500}
  volume: {warmup_hours: 24, history_hours: 48, min_bytes: 1000, min_factor: 2, alert: 5, quarantine: 50}
  profile: {enabled: false, alert: 3}
  realert: 60
  max_devices: 100
response:
  rules:
    - {detector: volume, then: alert}
    - {detector: "*", at: restrict, then: quarantine, for: 3600}
  learn_days: 2
)",
                                                       "test");
    EXPECT_FALSE(c.detect.scan.enabled);
    EXPECT_EQ(c.detect.scan.window_s, 2);
    EXPECT_EQ(c.detect.scan.exploit_ports, (std::vector<uint16_t>{23, 8080}));
    EXPECT_EQ(c.detect.scan.exploit_weight, 4u);
    EXPECT_EQ(c.detect.scan.thresholds.restrict, 0);
    EXPECT_EQ(c.detect.scan.thresholds.quarantine, 40);
    EXPECT_TRUE(c.detect.flood.include_local);
    EXPECT_EQ(c.detect.flood.max_return_ratio, 0.2);
    EXPECT_EQ(c.detect.flood.thresholds.restrict, 1000);  // not given: the default
    EXPECT_EQ(c.detect.dns_water_torture.min_error_ratio, 0.8);
    EXPECT_EQ(c.detect.volume.history_hours, 48u);
    EXPECT_EQ(c.detect.volume.thresholds.quarantine, 50);
    EXPECT_FALSE(c.detect.profile.enabled);
    EXPECT_EQ(c.detect.realert_s, 60);
    EXPECT_EQ(c.detect.max_devices, 100u);
    ASSERT_EQ(c.response.rules.size(), 2u);
    EXPECT_EQ(c.response.rules[0].detector, "volume");
    EXPECT_EQ(c.response.rules[0].at, spin::nmf::Stage::alert);
    EXPECT_EQ(c.response.rules[1].then, spin::nmf::Stage::quarantine);
    EXPECT_EQ(c.response.rules[1].duration, 3600);
    EXPECT_EQ(c.response.learn_days, 2);

    EXPECT_EQ(error_of("detect: {scan: {alert: -1}}"), "detect.scan.alert (line 1): -1 is out of range 0..1000000000");
    EXPECT_EQ(error_of("detect: {scna: {}}"),
              "detect.scna (line 1): unknown key (expected one of: dns_water_torture, flood, max_devices, profile, "
              "realert, scan, volume)");
    EXPECT_EQ(error_of("detect: {volume: {warmup_hours: 100, history_hours: 48}}"),
              "detect.volume (line 1): warmup_hours must not exceed history_hours");
    EXPECT_EQ(error_of("response: {rules: [{detector: telepathy, then: alert}]}"),
              "response.rules[0].detector (line 1): unknown detector 'telepathy' (expected * or one of: mirai_scan, "
              "scan, syn_flood, udp_flood, icmp_flood, ack_flood, dns_water_torture, volume, profile)");
    EXPECT_EQ(error_of("response: {rules: [{detector: scan, then: obliterate}]}"),
              "response.rules[0].then (line 1): must be alert, restrict or quarantine");
    EXPECT_EQ(error_of("response: {rules: [{detector: scan}]}"),
              "response.rules[0] (line 1): a rule needs 'then' (alert, restrict or quarantine)");
}
