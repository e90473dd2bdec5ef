#!/usr/bin/env python3
"""IPC endpoints are the agent's own (docs/security.md): ipc:// in a directory
other users may enter is refused at start with a message saying how to fix it;
in a 0700 directory (created so when missing) the stream and the command
channel work for the service user."""
import json
import os
import stat
import subprocess

import spintest as t

d = t.workdir("ipc")
empty = os.path.join(d, "empty.pcap")
t.write_pcap(empty, [])
ports = ["--lan", f"net_pcap0,rx_pcap={empty},tx_pcap={d}/o-lan.pcap",
         "--wan", f"net_pcap1,rx_pcap={empty},tx_pcap={d}/o-wan.pcap"]
open_dir = os.path.join(d, "shared")
os.makedirs(open_dir)
os.chmod(open_dir, 0o755)
p = subprocess.run([t.AGENT, "--config", t.REPLAY_YAML, *ports, "--publish", f"ipc://{open_dir}/stream"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
assert p.returncode == 1 and "nobody else may enter (mode 755" in p.stderr, p.stderr[-2000:]
p = subprocess.run([t.AGENT, "--config", t.REPLAY_YAML, *ports, "--commands", "ipc://@spin-abstract"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
assert p.returncode == 1 and "abstract or empty IPC name" in p.stderr, p.stderr[-2000:]

private = os.path.join(d, "run", "spin")  # its parent exists, it does not
os.makedirs(os.path.dirname(private))
stream, commands = f"ipc://{private}/stream", f"ipc://{private}/commands"
agent = subprocess.Popen([t.AGENT, "--config", t.REPLAY_YAML, *ports, "--publish", stream, "--commands", commands],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
try:
    t.wait_for("the command channel over ipc", lambda: subprocess.run(
        [t.SPINCTL, "agent", "ping", "--connect", commands, "--timeout", "0.5"], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL).returncode == 0)
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o700, oct(os.stat(private).st_mode)
    hello = subprocess.run([t.SPINCTL, "events", "--connect", stream, "--count", "1", "--timeout", "10"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert hello.returncode == 0 and json.loads(hello.stdout.splitlines()[0])["type"] == "hello", hello
finally:
    agent.terminate()
    agent.wait(timeout=30)
print("PASS: ipc:// refused in a directory others may enter and for abstract names; in a 0700 directory "
      "(created so) the stream and orders work")
