#!/usr/bin/env python3
"""Corpus captures replayed by agents into one controller, checked through the
API against tshark: every capture's device (its MAC from _iotdevice-mac.txt)
is there with the DHCP hostname and vendor tshark finds, its destinations
carry exactly the names tshark finds in the DNS answers the device received,
and its TCP / UDP traffic per remote address, protocol and port equals
tshark's, frame for frame and byte for byte, each way.

One capture per device directory of iot-sentinel; the agent restarts for
each (the controller sees agent restarts, as it would on a live network)."""
import glob
import os
import subprocess
import sys

import spintest as t

t.need_tshark()
root = os.path.join(t.corpus_dir(), "pcap", "iot-sentinel")
if not os.path.isdir(root):
    t.skip(f"corpus not found at {root} (it lives in ../shared/corpus beside the project)")


captures, macs = [], set()
for device_dir in sorted(glob.glob(os.path.join(root, "*"))):
    pcaps = sorted(glob.glob(os.path.join(device_dir, "*.pcap")))
    mac_file = os.path.join(device_dir, "_iotdevice-mac.txt")
    if pcaps and os.path.exists(mac_file):
        mac = open(mac_file).read().strip().lower()
        if mac not in macs:  # two directories may name one device (a hub and its switch)
            captures.append((pcaps[0], mac))
            macs.add(mac)
only = sys.argv[1:]
if only:
    captures = [c for c in captures if any(o in c[0] for o in only)]

publish, commands = t.free_port(), t.free_port()
failures = []
with t.Controller([f"replay=tcp://127.0.0.1:{publish},tcp://127.0.0.1:{commands}"]) as ctl:
    for pcap, mac in captures:
        d = t.workdir("ctl-corpus")
        src, lan, wan = (os.path.join(d, n) for n in ("input.pcap", "lan.pcap", "wan.pcap"))
        t.to_classic_pcap(pcap, src)
        t.split_by_mac(src, lan, wan, [mac])
        t.run_agent(lan, wan, d, extra=["--publish", f"tcp://127.0.0.1:{publish}",
                                        "--commands", f"tcp://127.0.0.1:{commands}", "--wait-subscribers", "1"])
    name_of = {mac: os.path.relpath(pcap, root) for pcap, mac in captures}
    # The controller commits twice a second: wait until every device is in.
    t.wait_for("every capture's device in the API",
               lambda: {d["mac"] for d in ctl.get("/devices")["devices"]} >= set(name_of), timeout=20)
    t.wait_for("the last agent's goodbye",
               lambda: not ctl.get("/agents")["agents"][0]["connected"], timeout=20)
    checked_dest = checked_names = 0
    for pcap, mac in captures:
        name = name_of[mac]
        src = os.path.join(t.workdir("ctl-oracle"), "input.pcap")
        t.to_classic_pcap(pcap, src)
        problems = []
        dev = ctl.get(f"/devices/{mac}")
        want_host, want_vendor = t.tshark_hostname(src, mac), t.tshark_vendor(src, mac)
        if dev["hostname"] != want_host:
            problems.append(f"hostname {dev['hostname']!r}, tshark {want_host!r}")
        # tshark's own manuf file re-cases some names (TP-LINK as Tp-Link).
        if want_vendor and dev["vendor"].lower() != want_vendor.lower():
            problems.append(f"vendor {dev['vendor']!r}, tshark {want_vendor!r}")
        if dev["agents"] != ["replay"]:
            problems.append(f"agents {dev['agents']}")
        frames = t.read_pcap(src)
        if not (frames[0][0] / 1e6 - 1e-3 <= dev["first_seen"] <= dev["last_seen"] <= frames[-1][0] / 1e6 + 1e-3):
            problems.append(f"first / last seen {dev['first_seen']} / {dev['last_seen']} outside the capture")
        dest = ctl.get(f"/devices/{mac}/destinations")["destinations"]
        for key, api, tshark in t.traffic_differences(dest, src, mac):
            problems.append(f"{key}: API {api}, tshark {tshark} (pkts/bytes out, pkts/bytes in)")
        names = t.tshark_names(src, mac)
        for x in dest:
            if set(x["names"]) != names.get(x["remote_ip"], set()):
                problems.append(f"names of {x['remote_ip']}: API {sorted(x['names'])}, "
                                f"tshark {sorted(names.get(x['remote_ip'], []))}")
            checked_names += bool(x["names"])
        checked_dest += len(dest)
        if problems:
            failures.append(f"{name} ({mac}): " + "; ".join(problems[:10]))
            print(f"FAIL {name}: {len(problems)} problem(s)")
        else:
            print(f"ok   {name}: {mac} {dev['hostname'] or '-'} / {dev['vendor']}, {len(dest)} destinations")
    events = ctl.get("/events?type=agent_restarted&limit=10000")["events"]
    if len(events) != len(captures) - 1:
        failures.append(f"{len(events)} agent_restarted events for {len(captures)} agent runs")
    gaps = ctl.get("/events?type=sequence_gap")["events"]
    if gaps:
        failures.append(f"sequence gaps on loopback: {gaps[:3]}")
    if ctl.stop() != 0:
        failures.append(f"spin-controller exited {ctl.proc.returncode}:\n{ctl.log_text()}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"PASS: {len(captures)} captures, {checked_dest} destinations ({checked_names} named) match tshark")
