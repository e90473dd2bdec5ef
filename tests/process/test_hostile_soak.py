#!/usr/bin/env python3
"""Hostile soak (docs/security.md, promise 5): behind spin-agent in network
namespaces, a compromised device does at once, for N minutes (default 1; the
10-minute run is tools/soak/run):

  - frames from made-up source MACs (ARP), 200 a second;
  - UDP from spoofed source addresses, 200 a second;
  - mDNS announcements of ever new host names and services, 100 a second;
  - SSDP notifications of ever new device types, 50 a second;
  - DNS queries for ever new names, each answered by a rogue resolver on the
    internet side (eight addresses, some shared: many names per remote);
  - a TCP SYN scan of ever new remote addresses, 10,000 a second.

The agent and the controller run as shipped (the agent's flow table smaller,
so that the scan fills it within the run).  Every 5 s the agent's and the
controller's resident memory, the store's size on disk, its events and
traffic rows and the controller's counters (GET /api/v1/status) are
sampled.  Pass: the controller answers throughout; after the first third of
the run its memory grows by at most 10 % + 16 MiB and the agent's by at most
5 % + 8 MiB; the store grows by at most 8 MiB a minute and the event log by
at most the novelty budget (docs/api.md, "Events") a minute; the model holds
at most its 1024 tentative devices beyond the confirmed ones; and traffic
shows the scan as "*" rows.  Writes the samples as JSON (--report FILE).
Skips where namespaces cannot be created."""

import argparse
import json
import os
import re
import sqlite3
import sys
import time

import netns
import spintest

DEVICE_MAC = "02:5e:00:00:00:51"
DEVICE_IP, RESOLVER_IP = "10.77.0.10", "10.77.0.1"
BUDGET_PER_MINUTE = 60 + 240 + 600 + 60 + 1  # docs/api.md: the novelty budget, and one summary

ATTACKER = netns.INET_CHECKSUM + r"""
import os, random, socket, struct, sys, time
minutes = float(sys.argv[1])
me = bytes.fromhex(sys.argv[2].replace(":", ""))
gw = bytes.fromhex("025e000000fe")
my_ip = socket.inet_aton(sys.argv[3])
resolver = sys.argv[4]
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind(("eth0", 0))
raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dns.setblocking(False)
rng = random.Random(7)

def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:] + payload

def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload

def name(n):
    out = b""
    for label in n.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"

def scan_target(n):
    # 10.64.0.0/10 as this test's internet, past 10.77.0.0/16.
    n %= 4_000_000
    a = (10 << 24) | (64 << 16) | n
    if (a >> 16) & 0xff == 77:
        a += 1 << 16
    return struct.pack("!I", a)

syn_tail = struct.pack("!HHIIBBHHH", 0, 23, 0, 0, 5 << 4, 0x02, 1024, 0, 0)
start = time.time()
end = start + minutes * 60
tick, n_scan, n_mac, n_spoof, n_mdns, n_ssdp, n_dns = 0.01, 0, 0, 0, 0, 0, 0
next_t = start
while time.time() < end:
    now = time.time()
    elapsed = now - start
    # What each kind owes by now, sent in this slice.
    while n_scan < elapsed * 10000:
        dst = scan_target(n_scan)
        tcp = struct.pack("!H", 1024 + n_scan % 60000) + syn_tail[2:4] + struct.pack("!I", n_scan) + syn_tail[8:]
        raw.send(gw + me + b"\x08\x00" + ipv4(my_ip, dst, 6, tcp))
        n_scan += 1
    while n_mac < elapsed * 200:
        fake = bytes([0x02, 0x66]) + struct.pack("!I", n_mac)
        # Asking for an address nobody has: no host answers the made-up MAC.
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, fake, socket.inet_aton("10.77.200.1"), bytes(6),
                          socket.inet_aton("10.77.0.250"))
        raw.send(b"\xff" * 6 + fake + b"\x08\x06" + arp)
        n_mac += 1
    while n_spoof < elapsed * 200:
        src = struct.pack("!I", (10 << 24) | (77 << 16) | (1 + n_spoof % 65000))
        raw.send(gw + me + b"\x08\x00" + ipv4(src, socket.inet_aton(resolver), 17, udp(40000, 9, b"spoof")))
        n_spoof += 1
    while n_mdns < elapsed * 100:
        host = f"h{n_mdns}.local"
        rr = name(host) + struct.pack("!HHIH", 1, 0x8001, 120, 4) + my_ip
        srv = name(f"s{n_mdns}._http._tcp.local") + struct.pack("!HHIH", 33, 0x8001, 120, 6 + len(name(host)))
        srv += struct.pack("!HHH", 0, 0, 80) + name(host)
        msg = struct.pack("!HHHHHH", 0, 0x8400, 0, 2, 0, 0) + rr + srv
        raw.send(b"\x01\x00\x5e\x00\x00\xfb" + me + b"\x08\x00" +
                 ipv4(my_ip, socket.inet_aton("224.0.0.251"), 17, udp(5353, 5353, msg)))
        n_mdns += 1
    while n_ssdp < elapsed * 50:
        msg = (f"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: urn:flood:device:t{n_ssdp}:1\r\n"
               f"NTS: ssdp:alive\r\nUSN: uuid:{n_ssdp}\r\nSERVER: flood/{n_ssdp}\r\n"
               f"LOCATION: http://{sys.argv[3]}/{n_ssdp}.xml\r\n\r\n").encode()
        raw.send(b"\x01\x00\x5e\x7f\xff\xfa" + me + b"\x08\x00" +
                 ipv4(my_ip, socket.inet_aton("239.255.255.250"), 17, udp(1900, 1900, msg)))
        n_ssdp += 1
    while n_dns < elapsed * 100:
        q = struct.pack("!HHHHHH", n_dns & 0xffff, 0x0100, 1, 0, 0, 0) + name(f"n{n_dns}.flood.test") + b"\0\x01\0\x01"
        try:
            dns.sendto(q, (resolver, 53))
        except BlockingIOError:
            pass
        n_dns += 1
    try:
        while dns.recv(4096):
            pass
    except BlockingIOError:
        pass
    next_t += tick
    time.sleep(max(0.0, next_t - time.time()))
print({"scan": n_scan, "macs": n_mac, "spoofed": n_spoof, "mdns": n_mdns, "ssdp": n_ssdp, "dns": n_dns})
"""

ROGUE_RESOLVER = r"""
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 53))
n = 0
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    qid = q[:2]
    question = q[12:]
    answer = qid + struct.pack("!HHHHH", 0x8180, 1, 8, 0, 0) + question
    for k in range(8):
        n += 1
        addr = struct.pack("!BBBB", 10, 96, (n >> 8) & 0xff, n & 0xff) if k else bytes([10, 95, 0, n % 256])
        answer += struct.pack("!HHHIH", 0xc00c, 1, 1, 300, 4) + addr
    s.sendto(answer, peer)
"""


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def store_figures(db):
    size = sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
    wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM traffic_minute").fetchone()[0]
        star = con.execute("SELECT count(*) FROM traffic_minute WHERE remote_ip = '*'").fetchone()[0]
    finally:
        con.close()
    return size / 2**20, wal / 2**20, events, rows, star


def sample(ctl, agent, db, started):
    """One row of figures: both processes' memory, the store, the controller's counters."""
    t0 = time.time()
    status = ctl.get("/status")["status"]
    api_ms = (time.time() - t0) * 1000
    size, wal, events, rows, star = store_figures(db)
    return {"t": round(time.time() - started, 1), "agent_rss_mib": rss_mib(agent.pid),
            "controller_rss_mib": rss_mib(ctl.proc.pid), "store_mib": round(size, 2), "wal_mib": round(wal, 2),
            "events": events, "traffic_rows": rows, "star_rows": star,
            "devices": status["model"]["devices"], "tentative": status["model"]["tentative"],
            "flows_tracked": status["ingest"]["flows_tracked"], "records": status["ingest"]["records"],
            "suppressed": status["events"]["suppressed"], "aggregated": status["traffic"]["remotes_aggregated"],
            "evicted": status["model"]["devices_evicted"], "shed": status["store"]["batches_shed"],
            "api_ms": round(api_ms, 1)}


def describe(s):
    return (f"{s['t']:6.0f} s  agent {s['agent_rss_mib']:6.1f} MiB  controller {s['controller_rss_mib']:6.1f} MiB  "
            f"store {s['store_mib']:6.2f} MiB (WAL {s['wal_mib']:.2f})  events {s['events']:6d}  "
            f"rows {s['traffic_rows']:6d} (* {s['star_rows']})  devices {s['devices']} ({s['tentative']} tentative)  "
            f"flows {s['flows_tracked']}  records {s['records']}  API {s['api_ms']:.0f} ms")


def agent_config(path):
    """config/agent.yaml with a flow table the scan fills within the run."""
    text = open(os.path.join(spintest.project_root(), "config", "agent.yaml")).read()
    text, n = re.subn(r"^(\s*capacity:)\s*\d+", r"\g<1> 65536", text, count=1, flags=re.M)
    assert n == 1
    return spintest.write_config(path, text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--report", help="write the samples and the verdict as JSON here")
    args = ap.parse_args()
    why = netns.can_create_namespaces()
    if why:
        spintest.skip(why)
    d = spintest.workdir("soak")
    db = os.path.join(d, "spin.db")
    pub, cmd = spintest.free_port(), spintest.free_port()
    samples, failures = [], []
    with netns.Topology(d) as topo:
        netns.run("ip", "link", "set", "eth0", "address", DEVICE_MAC, ns=topo.lan)
        netns.run("ip", "addr", "add", f"{DEVICE_IP}/24", "dev", "eth0", ns=topo.lan)
        netns.run("ip", "addr", "add", f"{RESOLVER_IP}/24", "dev", "eth0", ns=topo.wan)
        agent = topo.start_agent("home", f"tcp://127.0.0.1:{pub}", f"tcp://127.0.0.1:{cmd}",
                                 config=agent_config(os.path.join(d, "agent.yaml")))
        topo.start(["python3", "-c", ROGUE_RESOLVER], ns=topo.wan, log=os.path.join(d, "resolver.log"))
        with spintest.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], db=db) as ctl:
            netns.wait_for("the controller to subscribe", lambda: ctl.get("/agents")["agents"][0]["connected"])
            attacker = topo.start(["python3", "-c", ATTACKER, str(args.minutes), DEVICE_MAC, DEVICE_IP, RESOLVER_IP],
                                  ns=topo.lan, log=os.path.join(d, "attacker.log"))
            started = time.time()
            while attacker.poll() is None:
                time.sleep(5)
                try:
                    samples.append(sample(ctl, agent, db, started))
                except (AssertionError, OSError) as e:
                    failures.append(f"{time.time() - started:.0f} s: the API did not answer: {e}")
                    continue
                print(describe(samples[-1]), flush=True)
            sent = open(os.path.join(d, "attacker.log")).read().strip()
            if attacker.returncode != 0:
                raise AssertionError(f"the attacker failed: {sent}")
            log = ctl.log_text()
    print(f"attacker sent {sent}")
    if len(samples) < 6:
        raise AssertionError(f"only {len(samples)} samples")
    base = samples[len(samples) // 3]
    last = samples[-1]
    minutes_after = max((last["t"] - base["t"]) / 60, 1 / 60)
    ctl_limit = base["controller_rss_mib"] * 1.10 + 16
    agent_limit = base["agent_rss_mib"] * 1.05 + 8
    peak_ctl = max(s["controller_rss_mib"] for s in samples[len(samples) // 3:])
    peak_agent = max(s["agent_rss_mib"] for s in samples[len(samples) // 3:])
    if peak_ctl > ctl_limit:
        failures.append(f"controller memory grew to {peak_ctl:.1f} MiB (from {base['controller_rss_mib']:.1f}; "
                        f"limit {ctl_limit:.1f})")
    if peak_agent > agent_limit:
        failures.append(f"agent memory grew to {peak_agent:.1f} MiB (from {base['agent_rss_mib']:.1f}; "
                        f"limit {agent_limit:.1f})")
    store_rate = (last["store_mib"] - base["store_mib"]) / minutes_after
    if store_rate > 8:
        failures.append(f"the store grew {store_rate:.1f} MiB a minute")
    event_rate = (last["events"] - base["events"]) / minutes_after
    if event_rate > BUDGET_PER_MINUTE * 1.05:
        failures.append(f"{event_rate:.0f} events a minute, past the budget of {BUDGET_PER_MINUTE}")
    confirmed = last["devices"] - last["tentative"]
    if last["tentative"] > 1024 or confirmed > 8:
        failures.append(f"{last['devices']} devices ({last['tentative']} tentative) in the model")
    if last["star_rows"] == 0 or last["aggregated"] == 0:
        failures.append("the scan made no '*' rows")
    if last["records"] < 0.5 * 10000 * last["t"]:
        failures.append(f"only {last['records']} flow records reached the controller in {last['t']:.0f} s")
    verdict = {"minutes": args.minutes, "samples": samples, "failures": failures,
               "controller_rss_growth_mib": round(peak_ctl - base["controller_rss_mib"], 1),
               "agent_rss_growth_mib": round(peak_agent - base["agent_rss_mib"], 1),
               "store_mib_per_minute": round(store_rate, 2), "events_per_minute": round(event_rate, 1)}
    if args.report:
        with open(args.report, "w") as f:
            json.dump(verdict, f, indent=2)
    if failures:
        print(log[-3000:])
        print("\n".join(failures))
        sys.exit(1)
    print(f"PASS: {args.minutes:g} min of hostile input: controller {base['controller_rss_mib']:.0f} -> "
          f"{last['controller_rss_mib']:.0f} MiB, agent {base['agent_rss_mib']:.0f} -> {last['agent_rss_mib']:.0f} "
          f"MiB, store +{store_rate:.2f} MiB/min, {event_rate:.0f} events/min, {last['devices']} devices "
          f"({last['tentative']} tentative), {last['aggregated']} scan rows folded into '*'")


if __name__ == "__main__":
    main()
