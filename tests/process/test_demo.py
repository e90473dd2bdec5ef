#!/usr/bin/env python3
"""The README's first command, tools/demo, as a newcomer runs it: it replays
the two captures, prints what SPIN saw and did, then serves the web page and
prints its address.  The page answers there; in a real browser, Quarantine on
a device's page is acknowledged by the demo's agent and Unblock lifts it;
Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops
everything.  `tools/demo --exit` stops after the replays by itself."""
import os
import re
import signal
import subprocess
import time
import urllib.request

import spintest as t
import ui

ROOT = t.project_root()
DEVICE = "02:53:50:49:4e:23"  # a healthy device of the attack capture, not quarantined

# --exit: the replays, the sentences, the one command that lifts the quarantine, and a clean end.
p = subprocess.run([os.path.join(ROOT, "tools", "demo"), "--exit"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True, timeout=600)
assert p.returncode == 0, p.stdout[-3000:]
for said in ("mirai_scan (quarantine)", "untouched", "stopped:", "spinctl unblock"):
    assert said in p.stdout, f"tools/demo --exit did not say '{said}':\n{p.stdout[-3000:]}"
print("tools/demo --exit: replays, alerts, the untouched devices and the unblock, exit 0")

ui.need_browser()
demo = subprocess.Popen([os.path.join(ROOT, "tools", "demo")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        text=True, start_new_session=True)
try:
    url, lines = None, []
    deadline = time.time() + 300
    while url is None and time.time() < deadline:
        line = demo.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"SPIN's page: (http://127\.0\.0\.1:\d+)/", line)
        if m:
            url = m.group(1)
    assert url, "tools/demo printed no address for the page:\n" + "".join(lines[-40:])
    with urllib.request.urlopen(url + "/", timeout=10) as r:
        page = r.read().decode()
        assert r.status == 200 and '<div id="app">' in page, page[:300]
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    seen = ui.check("quarantine", url, DEVICE)
    print(f"the demo's page: {url}/ answers; Quarantine: '{seen['said']}'")
    seen = ui.check("unblock", url, DEVICE)
    print(f"Unblock: '{seen['said']}'")
finally:
    os.killpg(demo.pid, signal.SIGINT)
    try:
        demo.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGKILL)
        raise AssertionError("tools/demo did not stop within 30 s of Ctrl-C")
leftover = subprocess.run(["pgrep", "-f", "config/demo-serve.yaml"], stdout=subprocess.PIPE, text=True).stdout
assert not leftover.strip(), f"the demo's agent outlived Ctrl-C: {leftover}"
print("Ctrl-C stopped the demo, its controller and its agent")
