#!/usr/bin/env python3
"""The detectors' false alarms on benign traffic (docs/detection.md,
"Measured"): every capture of ../shared/corpus/pcap/iot-sentinel (23 IoT
devices, set-up and use, written by others) replayed by an agent into one
controller with the default `detect:` and `response:`.  No alert may go past
the `alert` stage and no device may be restricted or quarantined; every
alert is printed with its sentence (what a person would read)."""
import glob
import os

import spintest as t

root = os.path.join(t.corpus_dir(), "pcap", "iot-sentinel")
if not os.path.isdir(root):
    t.skip(f"corpus not found at {root} (it lives in ../shared/corpus beside the project)")

captures = []
for device_dir in sorted(glob.glob(os.path.join(root, "*"))):
    mac_file = os.path.join(device_dir, "_iotdevice-mac.txt")
    if os.path.exists(mac_file):
        mac = open(mac_file).read().strip().lower()
        captures += [(pcap, mac) for pcap in sorted(glob.glob(os.path.join(device_dir, "*.pcap")))]

publish, commands = t.free_port(), t.free_port()
with t.Controller([f"replay=tcp://127.0.0.1:{publish},tcp://127.0.0.1:{commands}"]) as ctl:
    for pcap, mac in captures:
        d = t.workdir("detect-benign")
        src, lan, wan = (os.path.join(d, n) for n in ("input.pcap", "lan.pcap", "wan.pcap"))
        t.to_classic_pcap(pcap, src)
        t.split_by_mac(src, lan, wan, [mac])
        t.replay_into(ctl, lan, wan, d, publish, commands)
    alerts = ctl.get("/events?type=alert&limit=10000")["events"]
    decisions = ctl.get("/events?type=decision&limit=10000")["events"]
    stages = {d["mac"]: d["stage"] for d in ctl.get("/devices")["devices"]}
    peaks = ctl.get("/status")["status"]["detect"]["peaks"]

print(f"{len(captures)} captures of {len({m for _, m in captures})} devices; {len(alerts)} alert(s), "
      f"{len(decisions)} decision(s)")
print("highest values any device reached (the alert thresholds: scan 64, flood 500 pps, water torture 30 labels, "
      f"profile 1 violation): {peaks}")
for a in alerts:
    print(f"  alert {a['detector']} ({a['stage']}) {a['device']}: {a['message']}")
strong = [a for a in alerts if a["stage"] != "alert"]
acted = [d for d in decisions if d["stage"] in ("restrict", "quarantine")]
held = {m: s for m, s in stages.items() if s in ("restrict", "quarantine")}
problems = [f"alert past the alert stage: {a['message']}" for a in strong] + \
           [f"decision: {d['message']}" for d in acted] + [f"{m} is at stage {s}" for m, s in held.items()]
if problems:
    raise SystemExit("FAILED:\n  " + "\n  ".join(problems))
print("PASS: no alert past the alert stage, no device restricted or quarantined")
