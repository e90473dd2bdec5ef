#!/usr/bin/env python3
"""docs/protocol.md's worked example is right: its hex batch, decoded with the
minimal Python decoder printed on that page, gives the JSON record printed
there; and spinctl's decoder agrees (checked in the unit tests)."""
import ipaddress
import json
import os
import re

import spintest as t

doc = open(os.path.join(t.project_root(), "docs", "protocol.md")).read()
hex_block = re.search(r"```hex\n(.*?)```", doc, re.S).group(1)
batch = bytes.fromhex("".join(line.split(":", 1)[1] for line in hex_block.strip().splitlines()))
want = json.loads(re.search(r"```json\n(.*?)```", doc, re.S).group(1))
code = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
scope = {}
exec(code, scope)
seq, agent, records = scope["decode"](batch)
assert agent == want["agent"] and len(records) == 1, (agent, records)
r = records[0]
assert r["event"] == 3 and want["event"] == "end"
assert r["proto"] == want["proto"]
assert r["mac"] == want["mac"]
assert str(ipaddress.ip_address(r["lan_ip"])) == want["lan_ip"]
assert str(ipaddress.ip_address(r["remote_ip"])) == want["remote_ip"]
assert r["ports"] == (want["lan_port"], want["remote_port"])
first, last, po, bo, pi, bi, bp, bb = r["counters"]
assert (po, bo, pi, bi, bp, bb) == (want["pkts_out"], want["bytes_out"], want["pkts_in"], want["bytes_in"],
                                   want["blocked_pkts"], want["blocked_bytes"])
assert abs(first / 1e6 - want["first"]) < 1e-6 and abs(last / 1e6 - want["last"]) < 1e-6
print(f"PASS: the documented batch (seq {seq}) decodes with the documented decoder to the documented JSON")
