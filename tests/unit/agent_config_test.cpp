#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "agent/agent_config.h"
#include "agent/eal.h"

using namespace spin::agent;

TEST(AgentConfig, DefaultsFromAnEmptyFile) {
    const auto c = parse_agent_config("", "empty");
    EXPECT_EQ(c.mode, Mode::bridge);
    EXPECT_EQ(c.workers, 1u);
    EXPECT_GE(c.worker.flow_capacity, 1'000'000u);
    EXPECT_EQ(c.file_prefix, "auto");
    EXPECT_FALSE(c.huge_pages);
}

TEST(AgentConfig, ReadsEveryKey) {
    const auto c = parse_agent_config(R"(
agent: {id: home-7}
mode: monitor
ports: {lan: "net_pcap0,rx_pcap=a.pcap", rx_descriptors: 512, tx_descriptors: 256, mbufs: 4095, mbuf_cache: 64}
workers: 2
eal: {file_prefix: mine, memory_mb: 300, huge_pages: true, log_level: debug, cpus: [0, 1], args: ["--no-telemetry"]}
flows:
  capacity: 5000
  evict_when_full: false
  evict_min_idle: 2.5
  sweep_period: 2
  timeouts: {tcp: 100, tcp_closed: 5, udp: 20, icmp: 10, other: 15}
digests: {publish: "tcp://127.0.0.1:5556", update_interval: 0, batch_records: 64, batch_delay_ms: 50, ring_size: 1024}
monitor: {lan_prefixes: [192.168.1.0/24, "fd00::/8"], gateway_mac: "02:00:00:00:00:01"}
idle: {polls_before_sleep: 10, sleep_us: 0}
network: {resolvers: [192.168.1.1, "2001:db8::53"], dhcp_servers: [192.168.1.1]}
state: {dir: /srv/spin/state}
blocks:
  - {type: quarantine, mac: "02:00:00:00:00:09", name: bad cam}
  - {type: device_remote, mac: "02:00:00:00:00:09", remote: 198.51.100.0/24}
  - {type: global, remote: "2001:db8:bad::/48"}
  - {type: flow, proto: tcp, lan_ip: 10.0.0.5, lan_port: 1234, remote_ip: 192.0.2.1, remote_port: 80}
)",
                                      "test");
    EXPECT_EQ(c.id, "home-7");
    EXPECT_EQ(c.mode, Mode::monitor);
    EXPECT_EQ(c.rx_descriptors, 512);
    EXPECT_EQ(c.mbufs, 4095u);
    EXPECT_EQ(c.workers, 2u);
    EXPECT_EQ(c.memory_mb, 300u);
    EXPECT_EQ(c.cpus.size(), 2u);
    EXPECT_EQ(c.eal_args.at(0), "--no-telemetry");
    EXPECT_EQ(c.worker.flow_capacity, 5000u);
    EXPECT_FALSE(c.worker.evict_when_full);
    EXPECT_EQ(c.worker.evict_min_idle_us, 2'500'000u);
    EXPECT_EQ(c.worker.timeouts.udp_us, 20'000'000u);
    EXPECT_EQ(c.worker.sweep_period_us, 2'000'000u);
    EXPECT_EQ(c.worker.update_interval_us, 0u);
    EXPECT_EQ(c.batch_records, 64u);
    EXPECT_EQ(c.lan_prefixes.size(), 2u);
    ASSERT_TRUE(c.gateway_mac.has_value());
    EXPECT_EQ(c.worker.idle_sleep_us, 0u);
    ASSERT_EQ(c.blocks.size(), 4u);
    EXPECT_EQ(c.blocks[0].name, "bad cam");
    EXPECT_TRUE(c.blocks[1].name.empty());  // the registry names it after what it does
    EXPECT_EQ(c.blocks[1].describe(), "device 02:00:00:00:00:09 remote 198.51.100.0/24");
    EXPECT_EQ(c.blocks[3].flow.lan_port, 1234);
    EXPECT_EQ(c.blocks[3].flow.proto, 6);
    ASSERT_EQ(c.resolvers.size(), 2u);
    EXPECT_EQ(c.resolvers[1].address_text(), "2001:db8::53");
    EXPECT_EQ(c.dhcp_servers.size(), 1u);
    EXPECT_EQ(state_dir(c), "/srv/spin/state");
    EXPECT_NO_THROW(validate(c));
}

TEST(AgentConfig, StateDirectoryDefaultsUnderVarLibSpinOrSystemdsStateDirectory) {
    auto c = parse_agent_config("agent: {id: home-7}", "test");
    const char* saved = std::getenv("STATE_DIRECTORY");
    const std::string keep = saved ? saved : "";
    unsetenv("STATE_DIRECTORY");
    EXPECT_EQ(state_dir(c), "/var/lib/spin/agent-home-7");
    setenv("STATE_DIRECTORY", "/var/lib/spin:/var/lib/other", 1);
    EXPECT_EQ(state_dir(c), "/var/lib/spin/agent-home-7");
    setenv("STATE_DIRECTORY", "/run/x", 1);
    EXPECT_EQ(state_dir(c), "/run/x/agent-home-7");
    c.id = "../../etc";  // an id is no path
    EXPECT_THROW(state_dir(c), ConfigError);
    c.state_dir = "";
    EXPECT_EQ(state_dir(c), "");  // keeps nothing
    if (saved)
        setenv("STATE_DIRECTORY", keep.c_str(), 1);
    else
        unsetenv("STATE_DIRECTORY");
}

TEST(AgentConfig, ErrorsNameTheKeyAndLine) {
    try {
        parse_agent_config("flows:\n  timeouts:\n    udp: soon\n", "f.yaml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("f.yaml: flows.timeouts.udp (line 3)"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parse_agent_config("- a list\n", "f"), ConfigError);
    EXPECT_THROW(parse_agent_config("ports: {lan: [1, 2]}\n", "f"), ConfigError);
    EXPECT_THROW(parse_agent_config("blocks: [{type: flow, lan_ip: 10.0.0.1, remote_ip: '::1', proto: 6}]", "f"),
                 ConfigError);
    EXPECT_THROW(parse_agent_config("agent: {id: ''}", "f"), ConfigError);
}

TEST(AgentConfig, ReplayOrderTimeIsForABridgeWithOneWorker) {
    auto c = parse_agent_config("replay_order: time\nports: {lan: a, wan: b}\n", "f");
    EXPECT_EQ(c.replay_order, ReplayOrder::time);
    EXPECT_NO_THROW(validate(c));
    c.workers = 2;
    EXPECT_THROW(validate(c), ConfigError);
    EXPECT_EQ(parse_agent_config("", "f").replay_order, ReplayOrder::arrival);
    EXPECT_THROW(parse_agent_config("replay_order: random\n", "f"), ConfigError);
    auto m = parse_agent_config(
        "replay_order: time\nmode: monitor\nports: {lan: a}\nmonitor: {lan_prefixes: [10.0.0.0/8]}\n", "f");
    EXPECT_THROW(validate(m), ConfigError);
}

TEST(AgentConfig, ShippedConfigsLoad) {
    const std::filesystem::path dir = std::filesystem::path(SPIN_SOURCE_DIR) / "config";
    int n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
        // controller.yaml is the controller's (tests/controller/ loads it).
        if (f.path().extension() != ".yaml" || f.path().stem() == "controller") continue;
        EXPECT_NO_THROW(load_agent_config(f.path().string())) << f.path();
        ++n;
    }
    EXPECT_GE(n, 2);
}

TEST(EalArguments, NoHugepagesUniquePrefixAndPorts) {
    AgentConfig c;
    c.lan = "net_pcap0,rx_pcap=a.pcap";
    c.wan = "0000:01:00.0";
    c.workers = 3;
    c.cpus = {0, 1};
    const auto a = eal_arguments(c);
    auto has = [&](const std::string& s) { return std::find(a.begin(), a.end(), s) != a.end(); };
    EXPECT_TRUE(has("--no-huge"));
    EXPECT_TRUE(has("--no-shconf"));
    EXPECT_TRUE(has("--vdev=net_pcap0,rx_pcap=a.pcap"));
    EXPECT_TRUE(has("0000:01:00.0"));
    EXPECT_FALSE(has("--no-pci"));
    EXPECT_TRUE(has("--lcores=0@0,1@1,2@0,3@1"));
    EXPECT_NE(eal_arguments(c)[1], a[1]);  // a fresh file prefix each time
    EXPECT_TRUE(is_pci_address("01:00.1"));
    EXPECT_FALSE(is_pci_address("net_null0"));
    EXPECT_EQ(port_device_name("net_pcap0,rx_pcap=x"), "net_pcap0");
}

// What deploy/spin-failopen bridges while the agent is down: only ports that are kernel interfaces.
TEST(AgentConfig, KernelInterfacesOfThePorts) {
    EXPECT_EQ(spin::agent::kernel_interface("net_af_packet0,iface=enp1s0"), "enp1s0");
    EXPECT_EQ(spin::agent::kernel_interface("net_af_packet1,qpairs=2,iface=eth1,blocksz=4096"), "eth1");
    EXPECT_EQ(spin::agent::kernel_interface("net_af_packet0"), std::nullopt);
    EXPECT_EQ(spin::agent::kernel_interface("net_af_packet0,iface="), std::nullopt);
    EXPECT_EQ(spin::agent::kernel_interface("0000:01:00.0"), std::nullopt);
    EXPECT_EQ(spin::agent::kernel_interface("net_pcap0,iface=eth0"), std::nullopt);
    EXPECT_EQ(spin::agent::kernel_interface(""), std::nullopt);
}
