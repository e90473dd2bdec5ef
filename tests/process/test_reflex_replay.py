#!/usr/bin/env python3
"""The agent's Mirai reflex on a replayed home whose camera turns bot
(docs/detection.md, "The agent's reflex"), held against tshark's dissection
of the capture and of what the agent forwarded:

  - `spin-pcapgen attack --phases mirai`: benign traffic from four devices,
    then the camera scans at Mirai's rate (about 160 SYNs a second, port 23
    nine times in ten, else 2323);
  - replayed unpaced through an agent with `reflex.mirai.mode: quarantine`
    and threshold 3, into a controller: at most threshold - 1 scan SYNs
    leave by the WAN port (tshark counts SYNs whose sequence number equals
    their destination), and none of the camera's frames after the trip;
  - the healthy devices' frames all pass byte for byte, both ways;
  - the agent's alert (detector mirai_scan, stage quarantine) names the
    camera with the count and its first targets, which are tshark's first
    scan SYNs; the controller stores it, keeps the quarantine as a block and
    says so in a decision event;
  - `spinctl unblock ID` lifts it: the agent's rule is gone (an idle run of
    the same agent, which kept its rules, answers without it)."""
import ipaddress
import json
import os
import subprocess

import spintest as t

t.need_tshark()
THRESHOLD = 3

work = t.workdir("reflex-replay")
subprocess.run([t.PCAPGEN, "attack", "--out", work, "--phases", "mirai", "--benign", "20", "--phase-seconds", "10",
                "--gap", "5"], check=True, stdout=subprocess.DEVNULL)
truth = json.load(open(os.path.join(work, "attack-truth.json")))
bot = truth["infected"]["mac"]
lan, wan = os.path.join(work, "attack-lan.pcap"), os.path.join(work, "attack-wan.pcap")
config = t.write_config(os.path.join(work, "reflex.yaml"), open(t.REPLAY_YAML).read().replace(
    'state: {dir: ""}', "") + f"reflex:\n  mirai: {{mode: quarantine, threshold: {THRESHOLD}}}\n")

SCAN = "tcp.flags.syn == 1 and tcp.flags.ack == 0 and (tcp.dstport == 23 or tcp.dstport == 2323)"


def scan_syns(pcap):
    """(time, destination, port) of the SYNs whose sequence number is their destination, by tshark."""
    out = []
    for ts, dst, seq, port in t.tshark_fields(pcap, SCAN, ["frame.time_epoch", "ip.dst", "tcp.seq_raw",
                                                           "tcp.dstport"]):
        if int(ipaddress.IPv4Address(dst)) == int(seq):
            out.append((float(ts), dst, int(port)))
    return out


check = t.Checks()


sent = scan_syns(lan)
check(len(sent) == truth["phases"][0]["syns"], f"tshark finds {len(sent)} scan SYNs, the generator wrote "
      f"{truth['phases'][0]['syns']}")
pub, cmd = t.free_port(), t.free_port()
state = os.path.join(work, "state")
identity = ["--agent-id", "home", "--state-dir", state]
with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"]) as ctl:
    _, stats, stderr = t.replay_into(ctl, lan, wan, work, pub, cmd, config=config,
                                     extra=[*identity, "--event-log", os.path.join(work, "events.jsonl")])

    # What left by the WAN port.
    out_wan = os.path.join(work, "out-wan.pcap")
    leaked = scan_syns(out_wan)
    check(len(leaked) <= THRESHOLD - 1, f"{len(leaked)} scan SYNs left the agent; at most {THRESHOLD - 1} may")
    # Exactly the camera's frames before the trip left (a written capture's times are the agent's, not the
    # input's: compare the frames themselves).
    trip_time = sent[THRESHOLD - 1][0]
    bot_bytes = t.mac_bytes(bot)
    before = [f for ts, f, _ in t.read_pcap(lan) if f[6:12] == bot_bytes and ts < round(trip_time * 1e6)]
    out = [f for _, f, _ in t.read_pcap(out_wan) if f[6:12] == bot_bytes]
    check(out == before, f"{len(out)} frames of the camera left; the {len(before)} before the trip should have")
    for d in truth["devices"]:
        if d["mac"] == bot:
            continue
        for pcap_in, pcap_out, field in ((lan, out_wan, "eth.src"), (wan, os.path.join(work, "out-lan.pcap"),
                                                                     "eth.dst")):
            a = [f for _, f, _ in t.read_pcap(pcap_in) if f[6 if field == "eth.src" else 0:][:6] ==
                 t.mac_bytes(d["mac"])]
            b = [f for _, f, _ in t.read_pcap(pcap_out) if f[6 if field == "eth.src" else 0:][:6] ==
                 t.mac_bytes(d["mac"])]
            check(a == b and a, f"{d['name']}: {len(a)} frames in, {len(b)} out ({field})")
    check(stats.get("reflex_syns", 0) >= THRESHOLD, f"reflex_syns {stats.get('reflex_syns')}")

    # The agent's alert, as the agent published it and as the controller stores it.
    events = [json.loads(line) for line in open(os.path.join(work, "events.jsonl"))]
    alerts = [e for e in events if e["type"] == "alert"]
    if check(len(alerts) == 1, f"the agent published {len(alerts)} alerts"):
        a = alerts[0]
        ev = a["evidence"]
        check(a["mac"] == bot and a["detector"] == "mirai_scan" and a["stage"] == "quarantine", f"alert {a}")
        check(ev["syns"] == THRESHOLD, f"alert counts {ev['syns']} SYNs")
        check([(x["ip"], x["port"]) for x in ev["targets"]] == [(d, p) for _, d, p in sent[:THRESHOLD]],
              f"alert targets {ev['targets']}, tshark's first {sent[:THRESHOLD]}")
        check(abs(a["first"] - sent[0][0]) < 1e-5 and abs(a["time"] - trip_time) < 1e-5,
              f"alert window {a['first']}..{a['time']}, tshark {sent[0][0]}..{trip_time}")
        print("agent:", a["message"])
    # The agent's alert, stored once.  (Once the quarantine rule is in force the camera's later SYNs are
    # blocked flows, which the controller's own scan detector may also report: timing decides.)
    stored = [a for a in ctl.get(f"/events?type=alert&device={bot}")["events"] if a.get("agent")]
    check(len(stored) == 1 and stored[0].get("detector") == "mirai_scan" and stored[0].get("agent") == "home",
          f"the controller stored {stored}")
    decisions = ctl.get(f"/events?type=decision&device={bot}")["events"]
    block = None
    if check(len(decisions) == 1, f"decisions {decisions}"):
        d = decisions[0]
        block = d["evidence"].get("block")
        check(d["stage"] == "quarantine" and block, f"decision {d}")
        print("controller:", d["message"])
    blocks = ctl.get("/blocks")["blocks"]
    check([b["id"] for b in blocks if b.get("mac") == bot] == [block], f"blocks {blocks}")

    # One command lifts it, at the agent too (its rules were kept across the run).
    agent = t.IdleAgent(config, work, pub, cmd, extra=identity).start()
    try:
        def rule_of_bot():
            rules = agent.rules()
            return None if rules is None else [r for r in rules if r.get("mac") == bot and r["type"] == "quarantine"]
        t.wait_for("the idle agent's rules", lambda: rule_of_bot() is not None, timeout=30)
        check(rule_of_bot() and rule_of_bot()[0]["origin"] == "reflex", f"the agent's rules: {agent.rules()}")
        # As a running agent would have: the controller put its block in force at the restarted agent.
        t.wait_for("the block acknowledged by the restarted agent", lambda: [
            a["state"] for b in ctl.get("/blocks")["blocks"] if b["id"] == block for a in b["agents"]] ==
            ["acknowledged"], timeout=30)
        env = dict(os.environ, SPIN_API_URL=ctl.url.rsplit("/api/v1", 1)[0])
        p = subprocess.run([t.SPINCTL, "unblock", str(block), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=env, timeout=60)
        check(p.returncode == 0, f"spinctl unblock: {p.returncode} {p.stdout} {p.stderr}")
        t.wait_for("the quarantine lifted at the agent", lambda: rule_of_bot() == [], timeout=30)
    finally:
        agent.stop()

check.finish()
print(f"reflex: {len(sent)} scan SYNs in the capture, {len(leaked)} left the agent (threshold {THRESHOLD})")
