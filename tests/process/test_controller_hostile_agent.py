#!/usr/bin/env python3
"""A malformed message never stops the controller (docs/security.md).  A fake
agent (pyzmq, under the system Python) publishes every kind of broken
message: not JSON, JSON of the wrong shape, fields of the wrong type (a
number for a hostname, a string for a list, a boot time of 1e308), nesting
100,000 deep, digest batches that are noise or claim a billion records, too
many frames; and it answers the controller's orders with answers whose
fields are all of the wrong type.  The controller keeps serving, counts the
bad messages per agent, and still takes the valid event sent last (the
device appears with its hostname).  Skipped where pyzmq is absent."""
import json
import os
import subprocess
import time

import spintest as t

SYSTEM_PYTHON = "/usr/bin/python3"
if subprocess.run([SYSTEM_PYTHON, "-c", "import zmq"], stderr=subprocess.DEVNULL).returncode != 0:
    t.skip("the system Python has no zmq module (tools/install-deps installs python3-zmq)")

FAKE = r"""
import json, os, struct, sys, time, zmq
pub_port, cmd_port, done = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = zmq.Context()
pub = ctx.socket(zmq.XPUB)
pub.bind(f"tcp://127.0.0.1:{pub_port}")
cmd = ctx.socket(zmq.ROUTER)
cmd.bind(f"tcp://127.0.0.1:{cmd_port}")
pub.recv()  # the controller's subscription
boot = time.time()
E, D = b"spin.event", b"spin.digest"
def ev(body):
    pub.send_multipart([E, body if isinstance(body, bytes) else json.dumps(body).encode()])
hostile = [b"not json", b"[1,2,3]", b"{}", b'"just a string"',
           {"type": "dhcp", "boot": "yesterday", "seq": 1},
           {"type": "dhcp", "boot": boot, "seq": -1},
           {"type": "dhcp", "boot": 1e308, "seq": 1},
           {"type": "dhcp", "boot": boot, "seq": 2, "mac": "02:53:50:49:4e:01", "hostname": 5},
           {"type": "dhcp", "boot": boot, "seq": 3, "mac": "02:53:50:49:4e:01", "lease_seconds": -5},
           {"type": "dns", "boot": boot, "seq": 4, "mac": "02:53:50:49:4e:01", "bindings": "not a list"},
           {"type": "dns", "boot": boot, "seq": 5, "mac": "02:53:50:49:4e:01", "bindings": [{"name": 7}]},
           {"type": "hello", "boot": boot, "seq": 6, "version": "x", "rules": [], "reason": {}},
           {"type": "rules", "boot": boot, "seq": 7, "op": 1, "rule": "x"},
           {"type": "neighbour", "boot": boot, "seq": 8, "mac": 12, "ip": []},
           {"type": "no such kind", "boot": boot, "seq": 9},
           b"[" * 100000 + b"]" * 100000]
for h in hostile:
    ev(h)
billion = b"SPIN" + struct.pack("<HHQQQIHH", 1, 40, 1, 1, 1, 10**9, 96, 0)
for body in (os.urandom(64), b"SPIN" + b"\x01\x00" + b"\xff" * 30, billion):
    pub.send_multipart([D, body])
pub.send_multipart([E])                      # a topic with no body
pub.send_multipart([E, b"{}", b"extra", b"frames"])
pub.send_multipart([b"spin.unknown", b"{}"])
ev({"type": "dhcp", "boot": boot, "seq": 20, "time": boot, "mac": "02:53:50:49:4e:42", "side": "lan",
    "message": "request", "hostname": "survivor", "vendor_class": "", "param_list": "", "client_id": "",
    "mud_url": "", "ip": ""})
open(done, "w").close()
# Answer every order with fields of the wrong type.
poller = zmq.Poller()
poller.register(cmd, zmq.POLLIN)
end = time.time() + 60
while time.time() < end:
    if poller.poll(200):
        frames = cmd.recv_multipart()
        order = json.loads(frames[-1])
        for answer in ({"id": order.get("id"), "ok": "yes", "version": "high", "rule": {"id": "seven", "origin": 5}},
                       {"id": 12345}, [1, 2], {"id": order.get("id"), "ok": False, "error": {"nested": True}}):
            cmd.send_multipart(frames[:-1] + [json.dumps(answer).encode()])
        cmd.send_multipart(frames[:-1] + [b"\xff\xfe not json"])
"""

d = t.workdir("hostile-agent")
script = os.path.join(d, "fake_agent.py")
with open(script, "w") as f:
    f.write(FAKE)
pub, cmd = t.free_port(), t.free_port()
done = os.path.join(d, "done")
fake = subprocess.Popen([SYSTEM_PYTHON, script, str(pub), str(cmd), done], stderr=subprocess.PIPE, text=True)
try:
    with t.Controller([f"fake=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"]) as ctl:
        t.wait_for("the fake agent to send everything", lambda: os.path.exists(done) or fake.poll() is not None)
        assert fake.poll() is None, fake.stderr.read()
        dev = t.wait_for("the valid event's device", lambda: ctl.request("GET", "/devices/02:53:50:49:4e:42")[1]
                         if ctl.request("GET", "/devices/02:53:50:49:4e:42")[0] == 200 else None)
        assert dev["hostname"] == "survivor", dev
        status, block = ctl.request("POST", "/blocks", {"mac": "02:53:50:49:4e:42"})
        assert status in (201, 503), (status, block)
        time.sleep(2)
        assert ctl.proc.poll() is None, "the controller died:\n" + ctl.log_text()
        agent = ctl.get("/agents")["agents"][0]
        assert agent["bad_messages"] >= 10, agent
        blocks = ctl.get("/blocks")["blocks"]
        states = [a["state"] for b in blocks for a in b["agents"]]
        assert ctl.get("/devices")["devices"], "the API stopped answering"
        print(f"PASS: {agent['bad_messages']} bad messages from the fake agent counted, the controller kept "
              f"serving and took the valid event; its block under hostile answers: {states}")
finally:
    fake.kill()
    fake.wait()
