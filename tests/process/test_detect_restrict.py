#!/usr/bin/env python3
"""The `restrict` stage (docs/detection.md, "Response"): a device without a
MUD profile that starts scanning is held, in enforce mode, to a profile
learnt from what it did before, and an `allow` override takes that back.

  - a first replay of the home's benign traffic (`spin-pcapgen attack
    --phases ""`) fills the store with what the camera usually does;
  - the controller's rules take a scan of any strength to `restrict`;
  - a second replay with the camera scanning: the decision's stage is
    `restrict`, the camera's MUD profile is the learnt one in enforce mode
    (`GET .../mud`), its stage is `restrict`, and no other device has one;
  - `spinctl allow` lifts it: the learnt profile is removed, the stage is
    `alert`."""
import json
import os
import subprocess

import spintest as t

work = t.workdir("detect-restrict")
benign, attack = os.path.join(work, "benign"), os.path.join(work, "attack")
for d, phases in ((benign, ""), (attack, "mirai")):
    os.makedirs(d)
    subprocess.run([t.PCAPGEN, "attack", "--out", d, "--phases", phases, "--benign", "20", "--phase-seconds", "5",
                    "--gap", "2"], check=True, stdout=subprocess.DEVNULL)
bot = json.load(open(os.path.join(attack, "attack-truth.json")))["infected"]["mac"]
config = t.write_config(os.path.join(work, "controller.yaml"), """
response:
  rules:
    - {detector: scan, at: alert, then: restrict}
    - {detector: "*", then: alert}
""")
check = t.Checks()


pub, cmd = t.free_port(), t.free_port()
with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], config=config) as ctl:
    for d in (benign, attack):
        out = os.path.join(d, "run")
        os.makedirs(out)
        t.replay_into(ctl, os.path.join(d, "attack-lan.pcap"), os.path.join(d, "attack-wan.pcap"), out, pub, cmd,
                      extra=["--agent-id", "home"])
    decisions = ctl.get(f"/events?type=decision&device={bot}")["events"]
    restricts = [d for d in decisions if d["stage"] == "restrict"]
    if check(restricts, f"no restrict decision: {[d['message'] for d in decisions]}"):
        ev = restricts[0]["evidence"]
        check(ev["action"] == "restrict" and "learnt_from" in ev, f"decision evidence {ev}")
        print("decision:", restricts[0]["message"])
    t.wait_for("the stage in the store", lambda: ctl.get(f"/devices/{bot}")["stage"] == "restrict", timeout=10)
    mud = ctl.get(f"/devices/{bot}/mud")
    check(mud.get("mode") == "enforce" and "learnt" in (mud.get("url") or ""),
          f"the camera's profile: {mud.get('url')} in {mud.get('mode')}")
    others = [m["device"] for m in ctl.get("/mud")["devices"] if m["device"] != bot]
    check(not others, f"other devices got profiles: {others}")

    env = dict(os.environ, SPIN_API_URL=ctl.url.rsplit("/api/v1", 1)[0])
    p = subprocess.run([t.SPINCTL, "allow", bot, "--detector", "scan", "--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    check(p.returncode == 0, f"spinctl allow: {p.stderr}")
    t.wait_for("the stage back to alert", lambda: ctl.get(f"/devices/{bot}")["stage"] == "alert", timeout=10)
    check(bot not in [m["device"] for m in ctl.get("/mud")["devices"]], "the learnt profile is still assigned")

check.finish()
print("PASS: restricted to a learnt profile in enforce mode, and let go by an allow")
