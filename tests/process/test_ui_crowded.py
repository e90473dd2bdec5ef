#!/usr/bin/env python3
"""The web UI in a home crowded by a device that makes up MACs (docs/ui.md,
docs/security.md 5): a synthetic agent reports traffic of 1,000 devices the
network never gave an address (tentative), each to 100 remotes.  In a real
browser the home page and the devices page still load within seconds with a
bounded number of API calls (the whole home in one request, not one per
device), the graph draws at most the 40 busiest devices, and the devices
page still lists every device when asked.  The API answers a browser gzip,
not the Brotli that took 2.4 s for the thousand devices."""
import os
import subprocess

import spintest as t
import ui

ui.need_browser()
SYNTH = t.build_path("SPIN_SYNTHETIC_AGENT", "tools/synthetic-agent/spin-synthetic-agent")
DEVICES = 1000
out = ui.screenshots_dir()
port = t.free_port()
synth = subprocess.Popen([SYNTH, "--publish", f"tcp://127.0.0.1:{port}", "--devices", str(DEVICES),
                          "--remotes", "100", "--records", "500", "--rate", "100", "--batches", "400",
                          "--wait-subscribers", "1"], stdout=subprocess.DEVNULL)
try:
    with t.Controller([f"synth=tcp://127.0.0.1:{port}"]) as ctl:
        t.wait_for(f"the controller to hold {DEVICES} devices",
                   lambda: len(ctl.get("/devices")["devices"]) >= DEVICES, timeout=60)
        synth.wait(timeout=60)
        # What a browser asks for: cpp-httplib would answer Brotli at its
        # slowest (2.4 s for these 540 kB); the API keeps to gzip.
        import time
        import urllib.request
        req = urllib.request.Request(f"{ctl.url}/devices", headers={"Accept-Encoding": "gzip, deflate, br"})
        started = time.monotonic()
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
            encoding = r.headers.get("Content-Encoding")
        took = time.monotonic() - started
        assert encoding == "gzip" and took < 1, (encoding, took)
        print(f"/devices for a browser: {len(body)} bytes gzip in {took:.3f} s")
        seen = ui.check("crowded", f"http://127.0.0.1:{ctl.port}", out)
        print(f"{seen['devices']} devices: the home page in {seen['home_seconds']} s with {seen['home_calls']} API "
              f"calls, {seen['drawn']} drawn; the devices page in {seen['devices_seconds']} s with "
              f"{seen['devices_calls']} calls, every device listed")
finally:
    if synth.poll() is None:
        synth.terminate()
        synth.wait()
print("ui-crowded: ok")
