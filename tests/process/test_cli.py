#!/usr/bin/env python3
"""Command-line and configuration errors: clear messages, exit status 2, no crash."""
import os
import subprocess

import spintest as t

d = t.workdir("cli")


def run(*args, rc):
    p = subprocess.run([t.AGENT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == rc, f"{args}: exit {p.returncode}, expected {rc}\n{p.stdout}{p.stderr}"
    return p.stdout + p.stderr


help_text = run("--help", rc=0)
for opt in ("--config", "--lan", "--wan", "--exit-on-eof", "--flow-log", "--publish", "--workers"):
    assert opt in help_text, opt
assert "--config FILE is required" in run(rc=2)
assert "unrecognised option" in run("--bogus", rc=2) or "unrecognized option" in run("--bogus", rc=2)


def config_error(text, expect):
    path = t.write_config(os.path.join(d, "bad.yaml"), text)
    out = run("--config", path, "--lan", "net_null0", "--wan", "net_null1", rc=2)
    assert expect in out, f"expected '{expect}' in: {out}"


config_error("mode: [unclosed", "not valid YAML")
config_error("flows:\n  capacty: 10\n", "flows.capacty")
config_error("flows:\n  capacity: -5\n", "must not be negative")
config_error("flows:\n  capacity: lots\n", "is not a whole number")
config_error("mode: mirror\n", "mode")
config_error("workers: 0\n", "out of range")
config_error("blocks:\n  - type: quarantine\n    mac: zz:bb:cc:dd:ee:ff\n", "not a MAC address")
config_error("blocks:\n  - type: global\n    remote: 10.0.0.0/33\n", "prefix length")
config_error("blocks:\n  - type: nuke\n", "blocks[0] (line 2): 'type': 'nuke' is not a rule type")
config_error("monitor:\n  lan_prefixes: 10.0.0.0/8\n", "must be a list")
path = t.write_config(os.path.join(d, "mon.yaml"), "mode: monitor\n")
assert "lan_prefixes" in run("--config", path, "--lan", "net_null0", rc=2)
path = t.write_config(os.path.join(d, "ok.yaml"), "agent: {id: x}\n")
assert "needs a WAN port" in run("--config", path, "--lan", "net_null0", rc=2)
assert "cannot open" in run("--config", os.path.join(d, "missing.yaml"), rc=2)
# A port that does not exist is a runtime error with a clear message.
out = run("--config", path, "--lan", "net_nosuchdriver0", "--wan", "net_null1", rc=1)
assert "error" in out, out
print("PASS: help, usage and configuration errors are clear")
