#!/usr/bin/env python3
"""Monitor mode: one capture on one port, nothing transmitted, directions
from the configured LAN prefixes; conversations still match tshark."""
import os
import subprocess

import spintest as t

t.need_tshark()
d = t.workdir("monitor")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
config = t.write_config(os.path.join(d, "monitor.yaml"), """
agent: {id: mirror}
mode: monitor
monitor:
  lan_prefixes: [10.0.0.0/24, "2001:db8:1::/48"]
idle: {sleep_us: 0}
""")
flow_log = os.path.join(d, "flows.jsonl")
p = subprocess.run([t.AGENT, "--config", config, "--lan", f"net_pcap0,rx_pcap={d}/home.pcap",
                    "--exit-on-eof", "--flow-log", flow_log],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
assert p.returncode == 0, p.stderr
stats = t.parse_stats(p.stderr)
records = t.read_flow_log(flow_log)
convs = t.check_conversations(os.path.join(d, "home.pcap"), records)
assert stats["lan_tx_pkts"] == 0 and stats["wan_tx_pkts"] == 0, stats
web = [r for r in records if r["remote_port"] == 443 and r["lan_port"] == 50001]
assert web and web[0]["lan_ip"] == "10.0.0.11" and web[0]["initiator"] == "lan", web
cam6 = [r for r in records if r["lan_ip"] == "2001:db8:1::12"]
assert cam6 and cam6[0]["remote_ip"] == "2001:db8:f00::20" and cam6[0]["pkts_out"] > 0, cam6
# A replay keeps the capture's own times.
assert all(1767225600 <= r["first"] <= r["last"] < 1767225700 for r in records), records[0]
print(f"PASS: monitor mode, {convs} conversations match tshark, directions from prefixes")
