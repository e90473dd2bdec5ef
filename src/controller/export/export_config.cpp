#include "controller/export/export_config.h"

#include <fmt/format.h>

#include "controller/controller_config.h"

namespace spin::controller {

using config::At;

namespace {

// A collector's or broker's HOST:PORT, both parts there.
std::string host_port(const At& at, const char* example) {
    const std::string v = at.str();
    try {
        const auto [host, port] = split_listen(v);
        if (!host.empty() && port != 0) return v;
    } catch (const ConfigError&) {}
    at.fail(fmt::format("'{}' must be HOST:PORT (e.g. {})", v, example));
}

void read_ipfix(const At& at, IpfixConfig& c) {
    at.only({"collector", "transport", "template_refresh", "max_message", "max_delay"});
    if (!at.has("collector")) at.fail("needs collector: HOST:PORT (nfcapd's -p port, for one)");
    c.collector = host_port(at.child("collector"), "192.168.1.10:4739");
    if (at.has("transport")) {
        const std::string t = at.child("transport").str();
        if (t == "udp")
            c.transport = CollectorLink::Transport::udp;
        else if (t == "tcp")
            c.transport = CollectorLink::Transport::tcp;
        else
            at.child("transport").fail(fmt::format("'{}' is not udp or tcp", t));
    }
    if (at.has("template_refresh")) c.template_refresh = at.child("template_refresh").seconds(1, 3600);
    if (at.has("max_message")) c.max_message = at.child("max_message").uint(512, 65000);
    if (at.has("max_delay")) c.max_delay = at.child("max_delay").seconds(0.01, 60);
}

// An MQTT topic level of our own: no wildcard, no separator games.
std::string topic_word(const At& at) {
    const std::string v = at.str();
    if (v.empty() || v.size() > 64 || v.find_first_of("+#/ ") != std::string::npos || v.front() == '$')
        at.fail(fmt::format("'{}' must be one topic level (1..64 characters, no + # / or space, not $...)", v));
    return v;
}

void read_mqtt(const At& at, MqttConfig& c) {
    at.only({"broker", "client_id", "username", "password_file", "tls", "discovery_prefix", "topic_prefix", "spin_feed",
             "away_after", "state_interval", "feed_interval", "max_devices"});
    if (!at.has("broker")) at.fail("needs broker: HOST:PORT (mosquitto listens on 1883, or 8883 with TLS)");
    c.broker = host_port(at.child("broker"), "127.0.0.1:1883");
    if (at.has("client_id")) c.client_id = topic_word(at.child("client_id"));
    if (at.has("username")) c.username = at.child("username").str();
    if (at.has("password_file")) {
        c.password = read_token_file(at.child("password_file"));
        if (c.username.empty()) at.child("password_file").fail("a password needs a username");
    }
    if (at.has("tls")) {
        const At tls = at.child("tls");
        tls.only({"ca_file", "cert_file", "key_file"});
        if (!tls.has("ca_file")) tls.fail("needs ca_file: the CA that signed the broker's certificate");
        c.ca_file = tls.child("ca_file").str();
        if (tls.has("cert_file")) c.cert_file = tls.child("cert_file").str();
        if (tls.has("key_file")) c.key_file = tls.child("key_file").str();
        if (c.cert_file.empty() != c.key_file.empty()) tls.fail("cert_file and key_file go together");
    }
    if (at.has("discovery_prefix")) {
        const At p = at.child("discovery_prefix");
        c.discovery_prefix = p.str().empty() ? "" : topic_word(p);
    }
    if (at.has("topic_prefix")) c.topic_prefix = topic_word(at.child("topic_prefix"));
    if (c.topic_prefix == "SPIN" || c.topic_prefix == c.discovery_prefix)
        at.child("topic_prefix").fail("must differ from SPIN (the SPIN 1.0 feed's) and from discovery_prefix");
    if (at.has("spin_feed")) c.spin_feed = at.child("spin_feed").boolean();
    if (at.has("away_after")) c.away_after = at.child("away_after").seconds(10, 86400);
    if (at.has("state_interval")) c.state_interval = at.child("state_interval").seconds(1, 3600);
    if (at.has("feed_interval")) c.feed_interval = at.child("feed_interval").seconds(0.1, 60);
    if (at.has("max_devices")) c.max_devices = at.child("max_devices").uint(1, 10000);
}

}  // namespace

void read_export_config(const At& at, ExportConfig& out) {
    at.only({"prometheus", "ipfix", "mqtt"});
    if (at.has("prometheus")) {
        const At prom = at.child("prometheus");
        prom.only({"listen", "max_devices"});
        if (prom.has("listen")) out.prometheus_listen = prom.child("listen").str();
        if (prom.has("max_devices")) out.prometheus_max_devices = prom.child("max_devices").uint(0, 10000);
    }
    if (at.has("ipfix")) read_ipfix(at.child("ipfix"), out.ipfix);
    if (at.has("mqtt")) read_mqtt(at.child("mqtt"), out.mqtt);
}

}  // namespace spin::controller
