#!/usr/bin/env python3
"""spinctl's API commands against a controller that has seen the generated
home capture: --json prints exactly what the API answers, the tables carry
the same facts for people, and mistakes give the documented exit status
(1 when the API refuses or cannot be reached, 2 for usage errors)."""
import json
import os
import subprocess
import sys

import spintest as t

CAMERA = "02:53:50:49:4e:12"
d = t.workdir("spinctl-api")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
pub = t.free_port()
failures = []


def spinctl(*args, env_url=None, token=None):
    env = dict(os.environ)
    env.pop("SPIN_API_URL", None)
    env.pop("SPIN_API_TOKEN", None)
    if env_url:
        env["SPIN_API_URL"] = env_url
    if token:
        env["SPIN_API_TOKEN"] = token
    return subprocess.run([t.SPINCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                          timeout=30)


with t.Controller([f"home=tcp://127.0.0.1:{pub}"], token="tok") as ctl:
    t.run_agent(os.path.join(d, "home-lan.pcap"), os.path.join(d, "home-wan.pcap"), d,
                extra=["--publish", f"tcp://127.0.0.1:{pub}", "--wait-subscribers", "1", "--agent-id", "home"])
    t.wait_for("the replay's goodbye", lambda: not ctl.get("/agents")["agents"][0]["connected"])
    base = ctl.url.rsplit("/api/v1", 1)[0]
    window = ["--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T00:03:00Z"]
    cases = [
        (["devices"], "/devices"),
        (["device", CAMERA], f"/devices/{CAMERA}"),
        (["destinations", CAMERA], f"/devices/{CAMERA}/destinations"),
        (["traffic", CAMERA, *window, "--step", "60"],
         f"/devices/{CAMERA}/traffic?from=2026-01-01T00:00:00Z&to=2026-01-01T00:03:00Z&step=60"),
        (["events", "--device", CAMERA, "--type", "device_changed"], f"/events?device={CAMERA}&type=device_changed"),
        (["blocks"], "/blocks"),
    ]
    for args, path in cases:
        # URL from the environment, token from the flag; and the other way round.
        p = spinctl(*args, "--json", "--token", "tok", env_url=base)
        if p.returncode != 0:
            failures.append(f"spinctl {' '.join(args)} --json: exit {p.returncode} {p.stderr}")
            continue
        if json.loads(p.stdout) != ctl.get(path):
            failures.append(f"spinctl {' '.join(args)} --json differs from GET {path}")
        table = spinctl(*args, "--url", base, token="tok")
        if table.returncode != 0 or not table.stdout.strip():
            failures.append(f"spinctl {' '.join(args)}: exit {table.returncode} {table.stderr}")
    tables = {name: spinctl(name, *extra, "--url", base, "--token", "tok").stdout
              for name, extra in (("devices", []), ("destinations", [CAMERA]), ("device", [CAMERA]))}
    for needle, where in (("camera", "devices"), ("2001:db8:1::12", "devices"), ("video.cam.example", "destinations"),
                          ("AcmeCam 2.1", "device"), ("https://mud.example.com/camera.json", "device")):
        if needle not in tables[where]:
            failures.append(f"'{needle}' not in the table of spinctl {where}:\n{tables[where]}")
    # Mistakes.
    for args, code, says in ((["device", "zz", "--url", base, "--token", "tok"], 1, "is not a MAC address"),
                             (["devices", "--url", base], 1, "Bearer"),
                             (["devices", "--url", "http://127.0.0.1:1"], 1, "is spin-controller running"),
                             (["devices", "--url", "ftp://x"], 1, "must start with http://"),
                             (["device", "--url", base], 2, "MAC is required"),
                             (["traffic", CAMERA, "--step", "x", "--url", base], 2, "step"),
                             (["block", CAMERA, "--remote", "10.0.0.0/8", "--domain", "x.example", "--url", base,
                               "--token", "tok"], 1, "not both"),
                             (["unblock", "7", "--url", base, "--token", "tok"], 1, "no block 7")):
        p = spinctl(*args)
        if p.returncode != code or says not in p.stderr:
            failures.append(f"spinctl {' '.join(args)}: exit {p.returncode} ({p.stderr.strip()}), expected {code} "
                            f"saying '{says}'")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"PASS: spinctl devices / device / destinations / traffic / events / blocks print the API's JSON with "
      f"--json and tables otherwise; 8 mistakes give the documented exit status and message")
