#!/usr/bin/env python3
"""The controller's detectors and response on a replayed home whose camera
turns bot (docs/detection.md), against the generator's ground truth:

  - `spin-pcapgen attack` with every phase (Mirai scan, SYN / UDP / ICMP /
    ACK floods, DNS water torture), 12 s each, between benign traffic from
    four devices; replayed through an agent (reflex off: the controller
    alone) into a controller with the default `detect:` and `response:`;
  - every phase raises its detector's alert for the camera, within the
    phase, and the time from the phase's start to the alert (packet time)
    is printed;
  - no other device gets any alert;
  - the camera is quarantined by a decision whose sentence carries the
    numbers, a block is in force, and its `stage` is `quarantine`;
  - `spinctl stages` and `spinctl alerts` show it; `spinctl unblock` lifts
    it and the stage goes back to `alert`;
  - the owner's overrides: `spinctl pin --stage quarantine` quarantines it
    (a block), `spinctl allow` (every detector) lifts it again."""
import json
import os
import subprocess

import spintest as t

work = t.workdir("detect-replay")
PHASES = ["mirai", "syn_flood", "udp_flood", "icmp_flood", "ack_flood", "dns_water_torture"]
DETECTOR = {"mirai": "scan", "syn_flood": "syn_flood", "udp_flood": "udp_flood", "icmp_flood": "icmp_flood",
            "ack_flood": "ack_flood", "dns_water_torture": "dns_water_torture"}
subprocess.run([t.PCAPGEN, "attack", "--out", work, "--phases", ",".join(PHASES), "--benign", "20",
                "--phase-seconds", "12", "--gap", "5"], check=True, stdout=subprocess.DEVNULL)
truth = json.load(open(os.path.join(work, "attack-truth.json")))
bot = truth["infected"]["mac"]
lan, wan = os.path.join(work, "attack-lan.pcap"), os.path.join(work, "attack-wan.pcap")

check = t.Checks()


pub, cmd = t.free_port(), t.free_port()
with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"]) as ctl:
    t.replay_into(ctl, lan, wan, work, pub, cmd, extra=["--agent-id", "home"])
    alerts = ctl.get("/events?type=alert&limit=1000")["events"]
    rows = []
    for phase in truth["phases"]:
        mine = [a for a in alerts if a["device"] == bot and a["detector"] == DETECTOR[phase["name"]] and
                phase["start"] <= a["time"] <= phase["end"] + 1]
        if check(mine, f"{phase['name']}: no {DETECTOR[phase['name']]} alert for the camera"):
            first = min(mine, key=lambda a: a["time"])
            strongest = max(mine, key=lambda a: ["alert", "restrict", "quarantine"].index(a["stage"]))
            rows.append((phase["name"], first["time"] - phase["start"], first["stage"], strongest["stage"],
                         strongest["time"] - phase["start"]))
            check(first["message"] and first["evidence"], f"{phase['name']}: alert without evidence: {first}")
    others = [a for a in alerts if a["device"] != bot]
    check(not others, f"alerts for healthy devices: {[a['message'] for a in others]}")
    decisions = ctl.get(f"/events?type=decision&device={bot}")["events"]
    quarantines = [d for d in decisions if d["stage"] == "quarantine"]
    block = None
    if check(quarantines, f"no quarantine decision: {[d['message'] for d in decisions]}"):
        q = quarantines[0]
        block = q["evidence"].get("block")
        check(block and q["evidence"]["action"] == "quarantine", f"decision {q}")
        print("decision:", q["message"])
    check(ctl.get(f"/devices/{bot}")["stage"] == "quarantine", f"stage {ctl.get(f'/devices/{bot}')['stage']}")
    for d in truth["devices"]:
        if d["mac"] != bot:
            check(ctl.get(f"/devices/{d['mac']}")["stage"] == "none", f"{d['name']} is not at stage none")

    env = dict(os.environ, SPIN_API_URL=ctl.url.rsplit("/api/v1", 1)[0])

    def spinctl(*args):
        p = subprocess.run([t.SPINCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           timeout=60)
        check(p.returncode == 0, f"spinctl {' '.join(args)}: exit {p.returncode}: {p.stderr}")
        return p.stdout

    stages = json.loads(spinctl("stages", "--json"))
    check([s["device"] for s in stages] == [bot] and stages[0]["stage"] == "quarantine", f"spinctl stages: {stages}")
    check("scan (quarantine)" in spinctl("alerts", "--device", bot), "spinctl alerts shows no quarantine-strength scan")
    if block:
        p = subprocess.run([t.SPINCTL, "unblock", str(block), "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env, timeout=60)
        check(json.loads(p.stdout).get("active") is False, f"spinctl unblock: {p.stdout} {p.stderr}")
        t.wait_for("the stage back to alert", lambda: ctl.get(f"/devices/{bot}")["stage"] == "alert", timeout=15)

    # The owner's overrides: a pin takes the camera to quarantine, an allow of every detector lifts it.
    # (A device's stage reaches the API with the next store commit: half a second.)
    pin = json.loads(spinctl("pin", bot, "--stage", "quarantine", "--reason", "until I reflash it", "--json"))
    t.wait_for("the pin's quarantine", lambda: ctl.get(f"/devices/{bot}")["stage"] == "quarantine", timeout=10)
    check(any(b.get("mac") == bot for b in ctl.get("/blocks")["blocks"]), "the pin made no block")
    spinctl("unoverride", str(pin["id"]))
    allow = json.loads(spinctl("allow", bot, "--duration", "3600", "--json"))
    check(allow["detector"] == "*" and allow["expires"], f"allow: {allow}")
    t.wait_for("the allow's lift", lambda: ctl.get(f"/devices/{bot}")["stage"] == "alert", timeout=10)
    check(not any(b.get("mac") == bot for b in ctl.get("/blocks")["blocks"]), "the allow left the block in force")
    check([o["id"] for o in json.loads(spinctl("overrides", "--json"))["overrides"]] == [allow["id"]],
          "spinctl overrides does not list the allow alone")

print("| phase | first alert after (s) | its stage | strongest | reached after (s) |")
print("|---|---|---|---|---|")
for name, after, stage, strongest, strongest_after in rows:
    print(f"| {name} | {after:.2f} | {stage} | {strongest} | {strongest_after:.2f} |")
check.finish()
