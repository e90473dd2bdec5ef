#!/usr/bin/env python3
"""Several agents run on one machine at once without extra flags (each picks
its own EAL file prefix), and each reports the same flows."""
import os
import subprocess

import spintest as t

d = t.workdir("parallel")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
procs = []
for i in range(3):
    out = os.path.join(d, str(i))
    os.makedirs(out)
    procs.append((out, subprocess.Popen(
        [t.AGENT, "--config", t.REPLAY_YAML,
         "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={out}/to-lan.pcap",
         "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={out}/to-wan.pcap",
         "--exit-on-eof", "--flow-log", f"{out}/flows.jsonl"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
logs = []
for out, p in procs:
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    logs.append(sorted(open(f"{out}/flows.jsonl").read().splitlines()))
assert len(logs[0]) == 20 and logs[0] == logs[1] == logs[2], [len(x) for x in logs]
print("PASS: 3 agents at once, identical flow logs")
