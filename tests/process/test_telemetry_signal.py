#!/usr/bin/env python3
"""Counters are readable through DPDK telemetry while the agent runs, and
SIGTERM stops it cleanly: every open flow reported, ports closed (the output
captures complete)."""
import json
import os
import signal
import socket
import subprocess
import time

import spintest as t

t.need_tshark()
d = t.workdir("telemetry")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
prefix = f"spin-telemetry-test-{os.getpid()}"
config = t.write_config(os.path.join(d, "t.yaml"), open(t.REPLAY_YAML).read() +
                        f"eal:\n  file_prefix: {prefix}\n")
flow_log = os.path.join(d, "flows.jsonl")
agent = subprocess.Popen([t.AGENT, "--config", config,
                          "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={d}/to-lan.pcap",
                          "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={d}/to-wan.pcap",
                          "--flow-log", flow_log],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
runtime = "/var/run/dpdk" if os.getuid() == 0 else os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
path = os.path.join(runtime, prefix, "dpdk_telemetry.v2")


def query(cmd):
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.connect(path)
        s.recv(16384)  # greeting
        s.send(cmd.encode())
        return json.loads(s.recv(65536))


try:
    stats = None
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            stats = query("/spin/stats")["/spin/stats"]
            if stats["lan_rx_pkts"] + stats["wan_rx_pkts"] == 140:
                break
        except (FileNotFoundError, ConnectionRefusedError, KeyError, TypeError):
            pass
        time.sleep(0.2)
    assert stats is not None, f"no telemetry on {path}"
    assert stats["lan_rx_pkts"] == 91 and stats["wan_rx_pkts"] == 49, stats
    assert stats["flows_active"] == 20 and stats["workers"] == 1, stats
    w0 = query("/spin/worker,0")["/spin/worker"]
    assert w0["flows_created"] == 20 and w0["flow_capacity"] == 1000000, w0
    assert query("/spin/worker,7")["/spin/worker"] is None  # no such worker: an error, not a crash
    assert "/spin/rules" in query("/")["/"]
finally:
    agent.send_signal(signal.SIGTERM)
    out, err = agent.communicate(timeout=30)
assert agent.returncode == 0, err
assert "signal received" in err, err
records = t.read_flow_log(flow_log)
assert len(records) == 20 and all(r["end_reason"] == "exit" for r in records), records
t.check_conversations(os.path.join(d, "home.pcap"), records)
t.check_forwarded(f"{d}/home-lan.pcap", f"{d}/to-wan.pcap", "LAN -> WAN")
t.check_forwarded(f"{d}/home-wan.pcap", f"{d}/to-lan.pcap", "WAN -> LAN")
print("PASS: telemetry counters while running; SIGTERM reports all 20 open flows and closes the ports")
