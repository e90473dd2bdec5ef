#!/usr/bin/env python3
"""The web UI (docs/ui.md) in a real browser, over a controller that holds a
replayed home: the generated home capture, then a home whose camera turns
bot (Mirai scan and SYN flood, the agent's reflex on), both through
spin-agent, then an idle agent that takes the page's orders.

  - every page (/, /devices, /devices/{mac}, /events, /agents, /blocks) at
    desktop and phone size loads with no error, no CSP violation, no serious
    accessibility violation (axe-core) and no sideways scrolling on the phone;
    screenshots of each go to the build's ui-screenshots directory;
  - /devices shows exactly the devices the API lists; the camera's page shows
    each of its destinations by the name it resolved, with the API's totals;
  - the bot's alerts appear in the events feed with the API's sentences and
    what SPIN did about them;
  - the camera's Quarantine button, reached with Tab and pressed with Enter,
    makes the agent acknowledge (the API shows it, and the agent itself lists
    the rule); Unblock lifts it there too;
  - the same store served off loopback with api.token: the page asks for the
    token, refuses a wrong one, keeps the right one for the session and never
    puts it in a URL."""
import json
import os
import subprocess

import spintest as t
import ui

ui.need_browser()
CAMERA = "02:53:50:49:4e:12"
ROOT = t.project_root()
work = t.workdir("ui-browser")
out = ui.screenshots_dir()

subprocess.run([t.PCAPGEN, "home", "--out", work], check=True, stdout=subprocess.DEVNULL)
subprocess.run([t.PCAPGEN, "attack", "--out", work, "--phases", "mirai,syn_flood", "--benign", "30",
                "--phase-seconds", "10", "--gap", "5"], check=True, stdout=subprocess.DEVNULL)
bot = json.load(open(os.path.join(work, "attack-truth.json")))["infected"]["mac"]
config = lambda name: os.path.join(ROOT, "config", name)  # noqa: E731

pub, cmd = t.free_port(), t.free_port()
db = os.path.join(work, "spin.db")
agent = None
with t.Controller([f"demo-home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], db=db) as ctl:
    t.replay_into(ctl, os.path.join(work, "home-lan.pcap"), os.path.join(work, "home-wan.pcap"), work, pub, cmd,
                  config=config("demo.yaml"))
    t.replay_into(ctl, os.path.join(work, "attack-lan.pcap"), os.path.join(work, "attack-wan.pcap"), work, pub, cmd,
                  config=config("demo-bot.yaml"))
    agent = t.IdleAgent(config("demo-serve.yaml"), work, pub, cmd).start()
    t.wait_for("the idle agent", lambda: agent.rules() is not None, timeout=30)
    url = f"http://127.0.0.1:{ctl.port}"
    try:
        seen = ui.check("pages", url, out, CAMERA)
        print(f"pages: {seen['pages']} loaded clean; {seen['device_rows']} device rows as the API lists; "
              f"{seen['destinations']} destinations of {CAMERA} with the API's names and totals; screenshots in {out}")
        seen = ui.check("alert", url, bot, out)
        print(f"events: the {seen['alerts']} alerts about {bot} shown with the API's sentences; "
              f"{seen['taken']} say what SPIN did")
        seen = ui.check("quarantine", url, CAMERA)
        rules = agent.rules()
        assert any(r.get("type") == "quarantine" and r.get("mac") == CAMERA for r in rules), rules
        print(f"quarantine (Tab x{seen['tabs']}, Enter): the page said '{seen['said']}'; the agent holds the rule")
        seen = ui.check("unblock", url, CAMERA)
        rules = agent.rules()
        assert not any(r.get("type") == "quarantine" and r.get("mac") == CAMERA for r in rules), rules
        print(f"unblock: the page said '{seen['said']}'; the agent dropped the rule")
    finally:
        agent.stop()

# Off loopback (all addresses; the test speaks to it on loopback only) a token is required.
token = "ui-test-token-5d1c0e"
with t.Controller([], db=db, host="0.0.0.0", token=token) as ctl:
    seen = ui.check("login", f"http://127.0.0.1:{ctl.port}", token, out)
    print(f"login: asked for the token, refused a wrong one, then {seen['rows']} devices; "
          f"the token in none of {seen['requests']} URLs")
print("ui-browser: ok")
