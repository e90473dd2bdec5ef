#!/usr/bin/env python3
"""docs/protocol.md is enough to write a client in another language: the
Python client printed there (with the page's batch decoder), run as printed
with pyzmq, follows an agent's digests and events through a replay and has
its orders answered.  It runs under the system Python, which has Debian's
python3-zmq; skipped where that module is absent."""
import json
import os
import re
import subprocess
import sys

import spintest as t

SYSTEM_PYTHON = "/usr/bin/python3"

if subprocess.run([SYSTEM_PYTHON, "-c", "import zmq"], stderr=subprocess.DEVNULL).returncode != 0:
    t.skip("the system Python has no zmq module (tools/install-deps installs python3-zmq)")

doc = open(os.path.join(t.project_root(), "docs", "protocol.md")).read()
blocks = re.findall(r"```python\n(.*?)```", doc, re.S)
decoder = next(b for b in blocks if "def decode(" in b)
client = next(b for b in blocks if "def run_client(" in b)

d = t.workdir("doc-client")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
stream, commands = (f"tcp://127.0.0.1:{t.free_port()}" for _ in range(2))
script = os.path.join(d, "client.py")
with open(script, "w") as f:
    f.write(decoder + "\n" + client + "\n" + "import sys\n"
            "ends, events, answers = run_client(sys.argv[1], sys.argv[2])\n"
            "print(json.dumps({'ends': len(ends), 'macs': sorted({r['mac'] for r in ends}),\n"
            "                  'events': events, 'answers': answers}))\n")
agent = subprocess.Popen([t.AGENT, "--config", t.REPLAY_YAML,
                          "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={d}/o-lan.pcap",
                          "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={d}/o-wan.pcap",
                          "--exit-on-eof", "--flow-log", f"{d}/flows.jsonl", "--publish", stream,
                          "--commands", commands, "--wait-subscribers", "1", "--agent-id", "doc"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
client_run = subprocess.run([SYSTEM_PYTHON, script, stream, commands], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, timeout=60)
_, agent_err = agent.communicate(timeout=60)
assert agent.returncode == 0, agent_err[-3000:]
assert client_run.returncode == 0, client_run.stderr[-3000:]
out = json.loads(client_run.stdout)
flows = [json.loads(x) for x in open(f"{d}/flows.jsonl")]
assert out["ends"] == len(flows), f"client decoded {out['ends']} end records, the flow log has {len(flows)}"
# The wire has six zero bytes where the JSON form has "" (no LAN device).
assert [m if m != "00:00:00:00:00:00" else "" for m in out["macs"]] == sorted({f["mac"] for f in flows}), out["macs"]
types = {e["type"] for e in out["events"]}
assert {"hello", "dhcp", "dns", "neighbour", "rules", "goodbye"} <= types, types
assert all(e["agent"] == "doc" for e in out["events"])
assert [a["ok"] for a in out["answers"]] == [True, True], out["answers"]
assert [a["changed"] for a in out["answers"]] == [True, True], out["answers"]
assert out["answers"][1]["version"] == out["answers"][0]["version"] + 1, out["answers"]
print(f"PASS: the documented client decoded {out['ends']} end records and {len(out['events'])} events "
      f"({', '.join(sorted(types))}); both orders answered")
