#!/usr/bin/env python3
"""A device turning Mirai bot in real time, end to end in network namespaces
(docs/detection.md, "Measured"): behind spin-agent (net_af_packet), a healthy
device sends a datagram every 50 ms and the bot sends Mirai's scan SYNs
(sequence number = destination, port 23 nine times in ten, else 2323) at
160 a second for 4 s, paced in real time; a receiver in the WAN namespace
counts what came through.  Twice:

  - the controller alone (reflex off): the scan is stopped within 1 s of its
    start (the last scan SYN through is under a second after the first), by
    the controller's `scan` detector and a quarantine decision;
  - with the agent's reflex as config/agent.yaml ships it (quarantine,
    threshold 3): at most 2 scan SYNs through.

Both times every frame of the healthy device arrives.  All addresses are
inside the namespaces (10.77.0.0/16).  Skips where namespaces cannot be
created."""

import json
import os
import signal
import subprocess
import sys
import time

import netns
import spintest

BOT, HEALTHY, GATEWAY = "02:5e:00:00:00:66", "02:5e:00:00:00:22", "02:5e:00:00:00:fe"
SCAN_SECONDS, RATE = 4.0, 160

# The LAN side: the healthy device's datagrams and the bot's scan, paced by the clock.
SENDER = netns.INET_CHECKSUM + r"""
import json, random, socket, struct, sys, time
bot, healthy, gw = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:4])
scan_at, scan_s, rate = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload
def tcp_syn(src, dst, sport, dport, seq):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 1024, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(t))
    return t[:16] + struct.pack("!H", checksum(pseudo + t)) + t[18:]
rnd = random.Random(7)
bot_ip, healthy_ip, server = bytes([10, 77, 0, 66]), bytes([10, 77, 0, 22]), bytes([10, 77, 0, 1])
start = time.monotonic()
next_udp, next_syn, sent_udp, sent_syn, first_syn = start, start + scan_at, 0, 0, None
end = start + scan_at + scan_s + 1.0
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_udp:
        udp = struct.pack("!HHHH", 40000, 5000, 8 + 32, 0) + bytes(32)
        s.send(gw + healthy + b"\x08\x00" + ip4(healthy_ip, server, 17, udp))
        sent_udp += 1
        next_udp += 0.05
    if scan_at <= now - start < scan_at + scan_s and now >= next_syn:
        dst = bytes([10, 77, 128 + rnd.randrange(128), rnd.randrange(1, 255)])
        port = 23 if rnd.random() < 0.9 else 2323
        syn = tcp_syn(bot_ip, dst, 48000, port, int.from_bytes(dst, "big"))
        s.send(gw + bot + b"\x08\x00" + ip4(bot_ip, dst, 6, syn))
        first_syn = first_syn or time.time()
        sent_syn += 1
        next_syn += 1.0 / rate
    time.sleep(0.001)
print(json.dumps({"udp": sent_udp, "syn": sent_syn, "first_syn": first_syn}))
"""

# The WAN side: every frame that came through, until SIGTERM.
RECEIVER = r"""
import json, signal, socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
s.bind(("eth0", 0))
s.settimeout(0.2)
bot, healthy = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:3])
counts = {"bot": 0, "healthy": 0, "syn_times": []}
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
while not stop:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if f[6:12] == healthy:
        counts["healthy"] += 1
    elif f[6:12] == bot:
        counts["bot"] += 1
        if f[12:14] == b"\x08\x00" and f[23] == 6 and f[47] & 0x12 == 0x02 and f[38:42] == f[30:34]:
            counts["syn_times"].append(time.time())
print(json.dumps(counts))
"""

why = netns.can_create_namespaces()
if why:
    spintest.skip(why)

check = spintest.Checks()


def run(label, reflex):
    work = spintest.workdir(f"realtime-{label}")
    shipped = open(os.path.join(spintest.project_root(), "config", "agent.yaml")).read()
    assert "    mode: quarantine" in shipped, "config/agent.yaml no longer ships the reflex on"
    config = spintest.write_config(os.path.join(work, "agent.yaml"), shipped if reflex else
                                   shipped.replace("    mode: quarantine", "    mode: \"off\""))
    pub, cmd = f"tcp://127.0.0.1:{spintest.free_port()}", f"tcp://127.0.0.1:{spintest.free_port()}"
    with netns.Topology(work) as topo, spintest.Controller([f"home={pub},{cmd}"]) as ctl:
        netns.run("ip", "link", "set", "eth0", "promisc", "on", ns=topo.wan)
        agent = topo.start_agent("home", pub, cmd, "--state-dir", os.path.join(work, "state"), config=config)
        spintest.wait_for("the agent joined", lambda: ctl.get("/agents")["agents"][0]["connected"], timeout=20)
        receiver = topo.start([sys.executable, "-c", RECEIVER, BOT, HEALTHY], ns=topo.wan,
                              log=os.path.join(work, "received.json"))
        time.sleep(0.5)
        sent = json.loads(netns.run(sys.executable, "-c", SENDER, BOT, HEALTHY, GATEWAY, "1.0", str(SCAN_SECONDS),
                                    str(RATE), ns=topo.lan, timeout=60).stdout)
        time.sleep(0.5)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=10)
        got = json.loads(open(os.path.join(work, "received.json")).read().strip().splitlines()[-1])
        decisions = ctl.get(f"/events?type=decision&device={BOT}")["events"]
        topo.stop_agent(agent)
    through = got["syn_times"]
    span = (through[-1] - sent["first_syn"]) if through else 0.0
    check(got["healthy"] == sent["udp"], f"{label}: the healthy device sent {sent['udp']} datagrams, "
          f"{got['healthy']} came through")
    check(any(d["stage"] == "quarantine" for d in decisions), f"{label}: no quarantine decision: {decisions}")
    print(f"{label}: {sent['syn']} scan SYNs sent in {SCAN_SECONDS:.0f} s, {len(through)} came through, the last "
          f"{span:.3f} s after the first was sent; the healthy device's {sent['udp']} datagrams all through")
    for d in decisions[:1]:
        print(f"  decision: {d['message'][:300]}")
    return len(through), span


n, span = run("controller alone", reflex=False)
check(span < 1.0, f"controller alone: the scan went on {span:.3f} s (at most 1 s)")
n_reflex, _ = run("with the reflex", reflex=True)
check(n_reflex <= 2, f"with the reflex: {n_reflex} scan SYNs came through (at most 2)")
check.finish()
