#!/usr/bin/env python3
"""Quarantine and release from the web UI, with real traffic (docs/ui.md):
in network namespaces a device behind spin-agent (net_af_packet) sends a
UDP datagram every 20 ms to a receiver on the WAN side.  In a real browser,
the device's page's Quarantine button makes the agent acknowledge (the API
shows it) and the datagrams stop: none arrives from 0.1 s after the
acknowledgement on; the Unblock button lifts it and they arrive again.  All
addresses are inside the namespaces.  Skips where namespaces cannot be
created or no browser is installed."""
import os
import subprocess
import sys
import time

import netns
import spintest as t
import ui

DEVICE = "02:5e:00:00:00:31"
DEVICE_IP, SERVER_IP = "10.77.0.31", "10.77.0.3"

SENDER = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n = 0
while True:
    s.sendto(str(n).encode(), (sys.argv[1], 9999))
    n += 1
    time.sleep(0.02)
"""
RECEIVER = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9999))
out = open(sys.argv[2], "w", buffering=1)
while True:
    s.recv(100)
    out.write(f"{time.time()}\n")
"""

why = netns.can_create_namespaces()
if why:
    t.skip(why)
ui.need_browser()
work = t.workdir("ui-netns")
arrivals = os.path.join(work, "arrivals.txt")


def arrived_after(moment):
    if not os.path.exists(arrivals):
        return 0
    with open(arrivals) as f:
        return sum(1 for line in f if line.strip() and float(line) > moment)


pub, cmd = f"tcp://127.0.0.1:{t.free_port()}", f"tcp://127.0.0.1:{t.free_port()}"
with netns.Topology(work) as topo, t.Controller([f"home={pub},{cmd}"]) as ctl:
    netns.run("ip", "link", "set", "eth0", "address", DEVICE, ns=topo.lan)
    netns.run("ip", "addr", "add", f"{DEVICE_IP}/24", "dev", "eth0", ns=topo.lan)
    netns.run("ip", "addr", "add", f"{SERVER_IP}/24", "dev", "eth0", ns=topo.wan)
    agent = topo.start_agent("home", pub, cmd, "--state-dir", os.path.join(work, "state"))
    t.wait_for("the agent joined", lambda: ctl.get("/agents")["agents"][0]["connected"], timeout=20)
    topo.start([sys.executable, "-c", RECEIVER, SERVER_IP, arrivals], ns=topo.wan)
    time.sleep(0.3)
    topo.start([sys.executable, "-c", SENDER, SERVER_IP], ns=topo.lan)
    t.wait_for("datagrams through the agent", lambda: arrived_after(0) > 10)
    t.wait_for("the controller to know the device", lambda: ctl.request("GET", f"/devices/{DEVICE}")[0] == 200)
    url = f"http://127.0.0.1:{ctl.port}"

    seen = ui.check("quarantine", url, DEVICE)
    acked = time.time()
    time.sleep(1.5)
    late = arrived_after(acked + 0.1)
    assert late == 0, f"{late} datagrams arrived more than 0.1 s after the quarantine was acknowledged"
    print(f"quarantine from the page: '{seen['said']}'; no datagram through in the 1.4 s after")

    seen = ui.check("unblock", url, DEVICE)
    lifted = time.time()
    t.wait_for("datagrams again after the unblock", lambda: arrived_after(lifted) > 10, timeout=10)
    print(f"unblock from the page: '{seen['said']}'; datagrams flow again")
    topo.stop_agent(agent)
print("ui-netns: ok")
