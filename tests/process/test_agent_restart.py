#!/usr/bin/env python3
"""A rule in force survives the agent's death (docs/security.md): a quarantine
ordered while no controller runs is written to the state directory (0600 in a
0700 directory) before the order is answered; after kill -9 the agent comes
back with it in force before the first packet, and the camera's frames stay
inside while everyone else's pass (the oracle is the frames themselves, by
MAC).  A state file open to others, or one that is not JSON, is refused with a
clear message, and the agent forwards with its configuration's rules (fail-open)."""
import json
import os
import signal
import stat
import subprocess

import spintest as t

d = t.workdir("restart")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
camera = "02:53:50:49:4e:12"
cam = t.mac_bytes(camera)
state = os.path.join(d, "state")
rules_file = os.path.join(state, "rules.json")
empty = os.path.join(d, "empty.pcap")
t.write_pcap(empty, [])
cmd = f"tcp://127.0.0.1:{t.free_port()}"


def spinctl(*args):
    p = subprocess.run([t.SPINCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


# 1. An idle agent takes the order, with no controller anywhere.
agent = subprocess.Popen([t.AGENT, "--config", t.REPLAY_YAML, "--state-dir", state, "--commands", cmd,
                          "--lan", f"net_pcap0,rx_pcap={empty},tx_pcap={d}/o1-lan.pcap",
                          "--wan", f"net_pcap1,rx_pcap={empty},tx_pcap={d}/o1-wan.pcap"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
t.wait_for("the agent's command channel", lambda: subprocess.run(
    [t.SPINCTL, "agent", "ping", "--connect", cmd, "--timeout", "0.5"], stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL).returncode == 0)
answer = spinctl("agent", "block", "--connect", cmd, "--mac", camera)
assert answer["ok"] and answer["changed"], answer
# Answered means kept: the file is there now, before any clean stop.
kept = json.load(open(rules_file))
assert [r["rule"]["mac"] for r in kept["rules"]] == [camera], kept
assert stat.S_IMODE(os.stat(rules_file).st_mode) == 0o600, oct(os.stat(rules_file).st_mode)
assert stat.S_IMODE(os.stat(state).st_mode) == 0o700, oct(os.stat(state).st_mode)
agent.send_signal(signal.SIGKILL)
agent.wait(timeout=30)

# 2. The agent comes back and the camera stays inside from the first frame.
lan, wan = os.path.join(d, "home-lan.pcap"), os.path.join(d, "home-wan.pcap")
lan_in = [f for _, f, _ in t.read_pcap(lan)]
wan_in = [f for _, f, _ in t.read_pcap(wan)]


def replay(name):
    out = os.path.join(d, name)
    os.makedirs(out)
    _, stats, stderr = t.run_agent(lan, wan, out, extra=["--state-dir", state])
    out_wan = [f for _, f, _ in t.read_pcap(os.path.join(out, "out-wan.pcap"))]
    out_lan = [f for _, f, _ in t.read_pcap(os.path.join(out, "out-lan.pcap"))]
    return out_wan, out_lan, stats, stderr


out_wan, out_lan, stats, stderr = replay("after-kill")
assert "1 ordered rule(s) back in force" in stderr, stderr[-2000:]
want_wan = [f for f in lan_in if f[6:12] != cam]
want_lan = [f for f in wan_in if f[0:6] != cam]
camera_frames = len(lan_in) + len(wan_in) - len(want_wan) - len(want_lan)
assert camera_frames > 40, camera_frames
assert out_wan == want_wan and out_lan == want_lan, \
    f"after the restart {len(out_wan)} / {len(out_lan)} frames out, {len(want_wan)} / {len(want_lan)} expected"
assert stats["blocked_pkts"] == camera_frames, (stats["blocked_pkts"], camera_frames)

# 3. A state file others could have written is refused; so is garbage.  The
#    agent forwards everything then: its own trouble never cuts the home off.
os.chmod(rules_file, 0o644)
out_wan, out_lan, _, stderr = replay("open-file")
assert "is open to others (mode 644)" in stderr and "starting with the configuration's rules only" in stderr, \
    stderr[-2000:]
assert len(out_wan) == len(lan_in) and len(out_lan) == len(wan_in)
with open(rules_file, "w") as f:
    f.write("{not json")
os.chmod(rules_file, 0o600)
_, _, _, stderr = replay("garbage")
assert "is not JSON" in stderr, stderr[-2000:]
print(f"PASS: a quarantine ordered with no controller outlived kill -9 ({camera_frames} camera frames kept in, "
      f"{len(want_wan) + len(want_lan)} others forwarded); state 0600 in 0700; open or broken state files refused "
      "with the home still forwarded")
