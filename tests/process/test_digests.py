#!/usr/bin/env python3
"""Digests published on ZeroMQ and printed by `spinctl digests` carry the same
records as the flow log, with consecutive batch sequence numbers."""
import json
import os
import subprocess
import time

import spintest as t

d = t.workdir("digests")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
endpoint = f"tcp://127.0.0.1:{t.free_port()}"
sub = subprocess.Popen([t.SPINCTL, "digests", "--connect", endpoint, "--timeout", "8", "--batches"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(0.3)
# A long end-of-input wait gives the subscriber time to join before the end
# records (all flows are still open when the input ends) are published.
records, stats, _ = t.run_agent(f"{d}/home-lan.pcap", f"{d}/home-wan.pcap", d,
                                extra=["--publish", endpoint, "--eof-idle-ms", "1500", "--agent-id", "home-1"])
out, err = sub.communicate(timeout=30)
assert sub.returncode == 0, err
lines = [json.loads(x) for x in out.splitlines()]
ends = [r for r in lines if r["event"] == "end"]
assert all(r["agent"] == "home-1" for r in lines), lines[0]
key = lambda r: (r["proto"], r["lan_ip"], r["lan_port"], r["remote_ip"], r["remote_port"], r["vlan"], r["mac"])
log = {key(r): r for r in records}
assert len(ends) == len(records), (len(ends), len(records))
for r in ends:
    want = dict(log[key(r)])
    want["agent"] = "home-1"
    assert r == want, f"digest {r}\n!= flow log {want}"
seqs = [int(x.split("seq=")[1].split()[0]) for x in err.splitlines() if x.startswith("batch ")]
assert seqs and seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
assert "gap" not in err, err
print(f"PASS: {len(lines)} digest records ({len(ends)} end) in {len(seqs)} batches equal the flow log")
