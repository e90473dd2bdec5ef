#!/usr/bin/env python3
"""Two agents that see the same home (the generated capture, replayed by both
at once) feed one controller: each device is one device seen by both agents,
and its traffic per destination equals tshark's, counted once."""
import json
import os
import re
import socket
import subprocess
import sys
import threading

import spintest as t

t.need_tshark()
d = t.workdir("two-agents")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
home = os.path.join(d, "home.pcap")
ports = {a: (t.free_port(), t.free_port()) for a in ("a1", "a2")}
failures = []
CAMERA = "02:53:50:49:4e:12"
stream_text = []


def read_stream(port, stop):
    """The live stream of the camera's traffic, until `stop` is set."""
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    s.sendall(f"GET /api/v1/stream?device={CAMERA}&type=traffic HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    while not stop.is_set():
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        stream_text.append(chunk.decode(errors="replace"))
    s.close()


with t.Controller([f"{a}=tcp://127.0.0.1:{p},tcp://127.0.0.1:{c}" for a, (p, c) in ports.items()]) as ctl:
    stop = threading.Event()
    reader = threading.Thread(target=read_stream, args=(ctl.port, stop))
    reader.start()
    agents = []
    for a, (p, c) in ports.items():
        out = os.path.join(d, a)
        os.makedirs(out)
        agents.append(subprocess.Popen(
            [t.AGENT, "--config", t.REPLAY_YAML, "--agent-id", a,
             "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={out}/to-lan.pcap",
             "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={out}/to-wan.pcap",
             "--exit-on-eof", "--publish", f"tcp://127.0.0.1:{p}", "--commands", f"tcp://127.0.0.1:{c}",
             "--wait-subscribers", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for p in agents:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    t.wait_for("both agents' goodbyes", lambda: not any(a["connected"] for a in ctl.get("/agents")["agents"]))
    t.wait_for("the camera's traffic on the live stream", lambda: "event: traffic" in "".join(stream_text), timeout=10)
    stop.set()
    reader.join()
    seen = [json.loads(m) for m in re.findall(r"^data: (.*)$", "".join(stream_text), re.M)]
    macs = {d["mac"] for item in seen for d in item["devices"]}
    if macs != {CAMERA}:
        failures.append(f"the stream filtered by device carried traffic of {macs}")
    streamed = sum(d["pkts_out"] for item in seen for d in item["devices"])
    devices = t.wait_for("four devices seen by both agents",
                         lambda: [x for x in ctl.get("/devices")["devices"] if x["agents"] == ["a1", "a2"]]
                         if len(ctl.get("/devices")["devices"]) == 4 else None)
    if len(devices) != 4:
        failures.append(f"devices seen by both agents: {[x['mac'] for x in devices]}")
    for dev in ctl.get("/devices")["devices"]:
        mac = dev["mac"]
        dest = ctl.get(f"/devices/{mac}/destinations")["destinations"]
        for key, api, tshark in t.traffic_differences(dest, home, mac):
            failures.append(f"{mac} {key}: API {api}, tshark {tshark}")
        flows = sum(x["flows"] for x in dest)
        if mac == CAMERA and streamed > sum(x["pkts_out"] for x in dest):
            failures.append(f"the stream showed {streamed} packets out for the camera, more than it sent")
        print(f"{mac} ({dev['hostname']}): agents {dev['agents']}, {len(dest)} destinations, {flows} flows")
    if ctl.stop() != 0:
        failures.append("spin-controller did not exit cleanly")
    stats = [line for line in ctl.log_text().splitlines() if "stopped:" in line]
    print(stats[-1] if stats else "no exit report")
    if not stats or '"duplicates":0' in stats[-1]:
        failures.append("the controller counted no duplicate records from the second agent")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("PASS: 4 devices, each one device seen by both agents, traffic counted once and equal to tshark's")
