#!/usr/bin/env python3
"""Two workers, each owning one queue of each port (net_pcap gives one queue
per rx_pcap file): the devices' traffic is split between the queues by MAC,
and together the workers report exactly tshark's conversations."""
import os
import subprocess

import spintest as t

t.need_tshark()
d = t.workdir("workers")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
queue0 = {t.mac_bytes("02:53:50:49:4e:11"), t.mac_bytes("02:53:50:49:4e:12")}
files = {}
for side in ("lan", "wan"):
    q = ([], [])
    for ts, f, _ in t.read_pcap(os.path.join(d, f"home-{side}.pcap")):
        dev = f[6:12] if side == "lan" else f[0:6]
        q[0 if dev in queue0 else 1].append((ts, f))
    for i in (0, 1):
        files[(side, i)] = os.path.join(d, f"{side}{i}.pcap")
        t.write_pcap(files[(side, i)], q[i])
flow_log = os.path.join(d, "flows.jsonl")
cmd = [t.AGENT, "--config", t.REPLAY_YAML, "--workers", "2", "--exit-on-eof", "--flow-log", flow_log]
for side, port in (("lan", 0), ("wan", 1)):
    cmd += [f"--{side}", f"net_pcap{port},rx_pcap={files[(side, 0)]},rx_pcap={files[(side, 1)]},"
                         f"tx_pcap={d}/out-{side}0.pcap,tx_pcap={d}/out-{side}1.pcap"]
p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
assert p.returncode == 0, p.stderr
records = t.read_flow_log(flow_log)
workers = {r["worker"] for r in records}
assert workers == {0, 1}, workers
convs = t.check_conversations(os.path.join(d, "home.pcap"), records)
# Frames entering queue i of one port leave by queue i of the other.
for i in (0, 1):
    t.check_forwarded(files[("lan", i)], f"{d}/out-wan{i}.pcap", f"LAN q{i} -> WAN")
    t.check_forwarded(files[("wan", i)], f"{d}/out-lan{i}.pcap", f"WAN q{i} -> LAN")
print(f"PASS: 2 workers, {convs} conversations match tshark, each queue forwarded byte for byte")
