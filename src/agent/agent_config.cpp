#include "agent/agent_config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <cstring>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/yaml_at.h"
#include "config/yaml_json.h"

namespace spin::agent {

using config::At;

namespace {

void read_mac(const At& at, uint8_t mac[6]) {
    std::string error;
    const auto parsed = MacAddress::parse(at.str(), &error);
    if (!parsed) at.fail(error);
    std::memcpy(mac, parsed->data(), 6);
}

IpPrefix read_prefix(const At& at) {
    std::string error;
    const auto parsed = IpPrefix::parse(at.str(), &error);
    if (!parsed) at.fail(error);
    return *parsed;
}

// A `blocks` entry: the same rule object as an order's (proto/rule.h).
proto::Rule read_rule(const At& at) {
    std::string error;
    auto rule = proto::parse_rule(config::yaml_to_json(at.node), &error);
    if (!rule) at.fail(error);
    return *rule;
}

AgentConfig from_yaml(const YAML::Node& root_node) {
    AgentConfig c;
    const At root{root_node, ""};
    if (!root_node || root_node.IsNull()) return c;
    root.only({"agent", "mode", "ports", "workers", "eal", "flows", "digests", "commands", "curve", "slowpath",
               "monitor", "idle", "network", "state", "blocks", "replay_order", "reflex"});

    if (auto a = root.child("agent"); a.node) {
        a.only({"id"});
        if (a.has("id")) c.id = a.child("id").str();
        if (c.id.empty() || c.id.size() > 255) a.child("id").fail("must be 1..255 characters");
    }
    if (root.has("mode")) {
        const auto m = root.child("mode").str();
        if (m == "bridge")
            c.mode = Mode::bridge;
        else if (m == "monitor")
            c.mode = Mode::monitor;
        else
            root.child("mode").fail("must be 'bridge' or 'monitor'");
    }
    if (root.has("replay_order")) {
        const auto o = root.child("replay_order").str();
        if (o == "arrival")
            c.replay_order = ReplayOrder::arrival;
        else if (o == "time")
            c.replay_order = ReplayOrder::time;
        else
            root.child("replay_order").fail("must be 'arrival' or 'time'");
    }
    if (auto p = root.child("ports"); p.node) {
        p.only({"lan", "wan", "rx_descriptors", "tx_descriptors", "mbufs", "mbuf_cache"});
        if (p.has("lan")) c.lan = p.child("lan").str();
        if (p.has("wan")) c.wan = p.child("wan").str();
        if (p.has("rx_descriptors"))
            c.rx_descriptors = static_cast<uint16_t>(p.child("rx_descriptors").uint(32, 16384));
        if (p.has("tx_descriptors"))
            c.tx_descriptors = static_cast<uint16_t>(p.child("tx_descriptors").uint(32, 16384));
        if (p.has("mbufs")) c.mbufs = static_cast<uint32_t>(p.child("mbufs").uint(1023, 1u << 24));
        if (p.has("mbuf_cache")) c.mbuf_cache = static_cast<uint32_t>(p.child("mbuf_cache").uint(0, 512));
    }
    if (root.has("workers")) c.workers = static_cast<uint32_t>(root.child("workers").uint(1, 64));
    if (auto e = root.child("eal"); e.node) {
        e.only({"file_prefix", "memory_mb", "huge_pages", "log_level", "cpus", "args"});
        if (e.has("file_prefix")) c.file_prefix = e.child("file_prefix").str();
        if (e.has("memory_mb")) c.memory_mb = static_cast<uint32_t>(e.child("memory_mb").uint(0, 1u << 20));
        if (e.has("huge_pages")) c.huge_pages = e.child("huge_pages").boolean();
        if (e.has("log_level")) c.log_level = e.child("log_level").str();
        if (auto cpus = e.child("cpus"); cpus.node) {
            if (!cpus.node.IsSequence()) cpus.fail("must be a list of CPU numbers");
            for (size_t i = 0; i < cpus.node.size(); ++i)
                c.cpus.push_back(static_cast<int>(At{cpus.node[i], fmt::format("{}[{}]", cpus.path, i)}.uint(0, 4095)));
        }
        if (auto args = e.child("args"); args.node) {
            if (!args.node.IsSequence()) args.fail("must be a list of strings");
            for (size_t i = 0; i < args.node.size(); ++i)
                c.eal_args.push_back(At{args.node[i], fmt::format("{}[{}]", args.path, i)}.str());
        }
    }
    if (auto f = root.child("flows"); f.node) {
        f.only({"capacity", "evict_when_full", "evict_min_idle", "sweep_period", "timeouts"});
        auto& w = c.worker;
        if (f.has("capacity")) w.flow_capacity = static_cast<uint32_t>(f.child("capacity").uint(1, 1u << 28));
        if (f.has("evict_when_full")) w.evict_when_full = f.child("evict_when_full").boolean();
        if (f.has("evict_min_idle")) w.evict_min_idle_us = f.child("evict_min_idle").seconds_us(0);
        if (f.has("sweep_period")) w.sweep_period_us = f.child("sweep_period").seconds_us(0.001);
        if (auto t = f.child("timeouts"); t.node) {
            t.only({"tcp", "tcp_closed", "udp", "icmp", "other"});
            if (t.has("tcp")) w.timeouts.tcp_us = t.child("tcp").seconds_us(0.001);
            if (t.has("tcp_closed")) w.timeouts.tcp_closed_us = t.child("tcp_closed").seconds_us(0.001);
            if (t.has("udp")) w.timeouts.udp_us = t.child("udp").seconds_us(0.001);
            if (t.has("icmp")) w.timeouts.icmp_us = t.child("icmp").seconds_us(0.001);
            if (t.has("other")) w.timeouts.other_us = t.child("other").seconds_us(0.001);
        }
    }
    if (auto d = root.child("digests"); d.node) {
        d.only({"publish", "update_interval", "batch_records", "batch_delay_ms", "ring_size", "wait_subscribers",
                "wait_timeout", "heartbeat", "stats"});
        if (d.has("publish")) c.publish = d.child("publish").str();
        if (d.has("wait_subscribers"))
            c.wait_subscribers = static_cast<uint32_t>(d.child("wait_subscribers").uint(0, 1000));
        if (d.has("wait_timeout"))
            c.wait_timeout_ms = static_cast<uint32_t>(d.child("wait_timeout").seconds_us(0) / 1000);
        if (d.has("heartbeat")) c.heartbeat_ms = static_cast<uint32_t>(d.child("heartbeat").seconds_us(0) / 1000);
        if (d.has("stats")) c.stats_ms = static_cast<uint32_t>(d.child("stats").seconds_us(0) / 1000);
        if (d.has("update_interval")) c.worker.update_interval_us = d.child("update_interval").seconds_us(0);
        if (d.has("batch_records")) c.batch_records = static_cast<uint32_t>(d.child("batch_records").uint(1, 65536));
        if (d.has("batch_delay_ms")) c.batch_delay_ms = static_cast<uint32_t>(d.child("batch_delay_ms").uint(1, 60000));
        if (d.has("ring_size")) c.ring_size = static_cast<uint32_t>(d.child("ring_size").uint(64, 1u << 24));
    }
    if (auto cm = root.child("commands"); cm.node) {
        cm.only({"listen"});
        if (cm.has("listen")) c.commands = cm.child("listen").str();
    }
    if (auto cv = root.child("curve"); cv.node) {
        cv.only({"secret_key_file", "authorized_keys"});
        if (cv.has("secret_key_file")) c.secret_key_file = cv.child("secret_key_file").str();
        if (auto ak = cv.child("authorized_keys"); ak.node) {
            if (!ak.node.IsSequence()) ak.fail("must be a list of Z85 public keys or key files");
            for (size_t i = 0; i < ak.node.size(); ++i)
                c.authorized_keys.push_back(At{ak.node[i], fmt::format("{}[{}]", ak.path, i)}.str());
        }
    }
    if (auto sp = root.child("slowpath"); sp.node) {
        sp.only({"ring_size", "pool"});
        if (sp.has("ring_size")) c.slow_ring_size = static_cast<uint32_t>(sp.child("ring_size").uint(64, 1u << 20));
        if (sp.has("pool")) c.slow_pool = static_cast<uint32_t>(sp.child("pool").uint(255, 1u << 22));
    }
    if (auto m = root.child("monitor"); m.node) {
        m.only({"lan_prefixes", "gateway_mac"});
        if (auto lp = m.child("lan_prefixes"); lp.node) {
            if (!lp.node.IsSequence()) lp.fail("must be a list of prefixes");
            for (size_t i = 0; i < lp.node.size(); ++i)
                c.lan_prefixes.push_back(read_prefix(At{lp.node[i], fmt::format("{}[{}]", lp.path, i)}));
        }
        if (m.has("gateway_mac")) {
            std::array<uint8_t, 6> mac{};
            read_mac(m.child("gateway_mac"), mac.data());
            c.gateway_mac = mac;
        }
    }
    if (auto st = root.child("state"); st.node) {
        st.only({"dir"});
        if (st.has("dir")) c.state_dir = st.child("dir").str();
    }
    if (auto n = root.child("network"); n.node) {
        n.only({"resolvers", "dhcp_servers"});
        for (auto [key, list] : {std::pair{"resolvers", &c.resolvers}, std::pair{"dhcp_servers", &c.dhcp_servers}}) {
            auto l = n.child(key);
            if (!l.node) continue;
            if (!l.node.IsSequence()) l.fail("must be a list of addresses");
            for (size_t i = 0; i < l.node.size(); ++i)
                list->push_back(read_prefix(At{l.node[i], fmt::format("{}[{}]", l.path, i)}));
        }
    }
    if (auto i = root.child("idle"); i.node) {
        i.only({"polls_before_sleep", "sleep_us"});
        if (i.has("polls_before_sleep"))
            c.worker.idle_polls_before_sleep = static_cast<uint32_t>(i.child("polls_before_sleep").uint(1, 1u << 30));
        if (i.has("sleep_us")) c.worker.idle_sleep_us = static_cast<uint32_t>(i.child("sleep_us").uint(0, 1'000'000));
    }
    if (auto r = root.child("reflex"); r.node) {
        r.only({"mirai"});
        if (auto m = r.child("mirai"); m.node) {
            m.only({"mode", "threshold", "ports"});
            auto& x = c.worker.reflex;
            if (m.has("mode")) {
                const auto mode = m.child("mode");
                // YAML 1.1 reads a bare `off` as false: accept both spellings.
                const std::string v = mode.node.IsScalar() ? mode.node.Scalar() : std::string{};
                if (v == "off" || v == "false")
                    x.mode = dp::ReflexMode::off;
                else if (v == "alert")
                    x.mode = dp::ReflexMode::alert;
                else if (v == "quarantine")
                    x.mode = dp::ReflexMode::quarantine;
                else
                    mode.fail("must be off, alert or quarantine");
            }
            if (m.has("threshold")) x.threshold = static_cast<uint32_t>(m.child("threshold").uint(1, 1'000'000));
            if (auto ports = m.child("ports"); ports.node) {
                if (!ports.node.IsSequence() || ports.node.size() == 0) ports.fail("must be a list of TCP ports");
                x.ports.clear();
                for (size_t i = 0; i < ports.node.size(); ++i)
                    x.ports.push_back(
                        static_cast<uint16_t>(At{ports.node[i], fmt::format("{}[{}]", ports.path, i)}.uint(1, 65535)));
            }
        }
    }
    if (auto b = root.child("blocks"); b.node) {
        if (!b.node.IsSequence()) b.fail("must be a list of rules");
        for (size_t i = 0; i < b.node.size(); ++i)
            c.blocks.push_back(read_rule(At{b.node[i], fmt::format("{}[{}]", b.path, i)}));
    }
    return c;
}

}  // namespace

std::string state_dir(const AgentConfig& c) {
    if (c.state_dir) return *c.state_dir;
    const bool plain = c.id != "." && c.id != ".." && std::all_of(c.id.begin(), c.id.end(), [](char ch) {
                           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
                       });
    if (!plain)
        throw ConfigError("state.dir: agent id '" + c.id +
                          "' cannot name the default state directory; set state.dir (or --state-dir)");
    // systemd's StateDirectory= says where state goes (the first if several).
    std::string base = "/var/lib/spin";
    if (const char* env = std::getenv("STATE_DIRECTORY"); env != nullptr && *env != '\0') {
        base = env;
        base = base.substr(0, base.find(':'));
    }
    return base + "/agent-" + c.id;
}

void validate(const AgentConfig& c) {
    (void)state_dir(c);
    if (c.lan.empty()) throw ConfigError("ports.lan: no LAN port (set it in the YAML or with --lan)");
    if (c.mode == Mode::bridge && c.wan.empty())
        throw ConfigError("ports.wan: bridge mode needs a WAN port (set it in the YAML or with --wan)");
    if (c.mode == Mode::monitor && !c.wan.empty())
        throw ConfigError("ports.wan: monitor mode uses one port only (the LAN / mirror port)");
    if (c.mode == Mode::bridge && c.lan == c.wan) throw ConfigError("ports: LAN and WAN must be different ports");
    if (c.mode == Mode::monitor && c.lan_prefixes.empty() && !c.gateway_mac)
        throw ConfigError("monitor: monitor mode needs lan_prefixes and / or gateway_mac to tell directions");
    if (c.replay_order == ReplayOrder::time && c.mode != Mode::bridge)
        throw ConfigError(
            "replay_order: 'time' merges a bridge's two ports; a mirror port is already in capture order");
    if (c.replay_order == ReplayOrder::time && c.workers != 1)
        throw ConfigError("replay_order: 'time' merges both ports in one worker; workers must be 1");
    if (c.mbuf_cache > c.mbufs / 4) throw ConfigError("ports.mbuf_cache must be at most a quarter of ports.mbufs");
    if (c.secret_key_file.empty() != c.authorized_keys.empty())
        throw ConfigError("curve: secret_key_file and authorized_keys go together (both or neither)");
    if (c.wait_subscribers != 0 && c.publish.empty())
        throw ConfigError("digests.wait_subscribers needs digests.publish (or --publish)");
}

AgentConfig parse_agent_config(const std::string& yaml, const std::string& origin) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        throw ConfigError(fmt::format("{}: not valid YAML: {}", origin, e.what()));
    }
    if (root && !root.IsNull() && !root.IsMap())
        throw ConfigError(fmt::format("{}: the top level must be a mapping", origin));
    try {
        return from_yaml(root);
    } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("{}: {}", origin, e.what()));
    } catch (const YAML::Exception& e) {
        throw ConfigError(fmt::format("{}: {}", origin, e.what()));
    }
}

AgentConfig load_agent_config(const std::string& path) {
    return parse_agent_config(config::read_config_file(path), path);
}

std::optional<std::string> kernel_interface(const std::string& port) {
    if (port.rfind("net_af_packet", 0) != 0) return std::nullopt;
    for (size_t at = port.find(','); at != std::string::npos; at = port.find(',', at + 1)) {
        const size_t end = port.find(',', at + 1);
        const std::string arg = port.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
        if (arg.rfind("iface=", 0) == 0 && arg.size() > 6) return arg.substr(6);
    }
    return std::nullopt;
}

}  // namespace spin::agent
