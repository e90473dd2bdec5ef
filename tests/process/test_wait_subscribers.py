#!/usr/bin/env python3
"""--wait-subscribers: the agent holds its ports until the subscribers are
there, so a replay loses nothing — every start record, every event from the
first frame on, batch and event sequences both starting at 1.  Without a
subscriber it starts anyway after digests.wait_timeout and says so."""
import json
import os
import subprocess
import time

import spintest as t

d = t.workdir("wait-subs")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
endpoint = f"tcp://127.0.0.1:{t.free_port()}"
agent = subprocess.Popen([t.AGENT, "--config", t.REPLAY_YAML,
                          "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={d}/o-lan.pcap",
                          "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={d}/o-wan.pcap",
                          "--exit-on-eof", "--flow-log", f"{d}/flows.jsonl", "--event-log", f"{d}/events.jsonl",
                          "--publish", endpoint, "--wait-subscribers", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.5)  # well after the agent is up: without the wait, everything would be gone by now
assert agent.poll() is None, agent.communicate()[1]
digests = subprocess.Popen([t.SPINCTL, "digests", "--connect", endpoint, "--timeout", "4", "--batches"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
events = subprocess.Popen([t.SPINCTL, "events", "--connect", endpoint, "--timeout", "4"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
_, agent_err = agent.communicate(timeout=60)
assert agent.returncode == 0, agent_err[-3000:]
d_out, d_err = digests.communicate(timeout=30)
e_out, e_err = events.communicate(timeout=30)
records = [json.loads(x) for x in d_out.splitlines()]
flows = [json.loads(x) for x in open(f"{d}/flows.jsonl")]
starts = [r for r in records if r["event"] == "start"]
assert len(starts) == len(flows) and len(flows) > 0, f"{len(starts)} start records for {len(flows)} flows"
seqs = [int(x.split("seq=")[1].split()[0]) for x in d_err.splitlines() if x.startswith("batch ")]
assert seqs[0] == 1 and "gap" not in d_err, d_err
streamed = [json.loads(x) for x in e_out.splitlines()]
logged = [json.loads(x) for x in open(f"{d}/events.jsonl")]
learnt = [e for e in logged if e["type"] not in ("hello",)]
got = [e for e in streamed if e["type"] not in ("hello",)]
assert got == learnt, f"streamed {len(got)} events, logged {len(learnt)}"
assert "gap" not in e_err, e_err
print(f"PASS: held until 2 subscriptions; {len(starts)} start records for {len(flows)} flows from batch 1, "
      f"{len(got)} events, none lost")

# Nobody comes: the agent starts after the timeout and says so.
t0 = time.time()
replay = open(t.REPLAY_YAML).read()
assert "digests:\n" in replay
quick = t.write_config(os.path.join(d, "timeout.yaml"), replay.replace("digests:\n", "digests:\n  wait_timeout: 1\n"))
p = subprocess.run([t.AGENT, "--config", quick,
                    "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={d}/t-lan.pcap",
                    "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={d}/t-wan.pcap",
                    "--exit-on-eof", "--publish", endpoint, "--wait-subscribers", "1"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
assert p.returncode == 0, p.stderr[-3000:]
assert "0 of 1 subscription(s) after 1000 ms; starting anyway" in p.stderr, p.stderr[-2000:]
print(f"PASS: without subscribers the agent started after the timeout ({time.time() - t0:.1f} s in all)")
