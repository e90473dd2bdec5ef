#!/usr/bin/env python3
"""MUD by replay (docs/mud.md, "Learning" and "Conformance"), every verdict
held against tshark's dissection of the same capture:

  - the generated home capture: the camera's profile is learnt from what the
    controller saw (`spinctl mud learn`), passes `validate --strict`, and,
    assigned back in enforce mode and replayed, drops nothing (both ports
    byte for byte), reports no violation, and its entries count every IP
    frame of the camera;
  - a corpus capture (D-LinkCam, where ../shared/corpus is) with a
    hand-written profile: in monitor mode the violations are exactly the
    flows that tshark shows outside the profile; in enforce mode exactly
    their frames are dropped and every other frame forwarded byte for byte;
    `spinctl mud diff` names the same flows (bar DNS, which the agents pass)
    and the entry the camera never used; and a profile learnt from it,
    assigned back in monitor mode, finds no violation.

Each profile reaches the agent as it would in a home: the controller orders
it to the agent (an idle run with the replay's state directory), and the
replay starts with the rules in force that the agent kept."""
import json
import os
import subprocess

import spintest as t

t.need_tshark()
HOME_CAMERA = "02:53:50:49:4e:12"


def spinctl(ctl, *args, check=True):
    env = dict(os.environ, SPIN_API_URL=ctl.url.rsplit("/api/v1", 1)[0])
    p = subprocess.run([t.SPINCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"spinctl {' '.join(args)}: exit {p.returncode}: {p.stderr}")
    return p


class Home:
    """One controller and one agent id ("home") whose runs share a state directory."""

    def __init__(self, name, config):
        self.dir = t.workdir(name)
        self.state = os.path.join(self.dir, "state")
        self.config = config
        self.pub, self.cmd = t.free_port(), t.free_port()
        self.ctl = t.Controller([f"home=tcp://127.0.0.1:{self.pub},tcp://127.0.0.1:{self.cmd}"])
        self.runs = 0

    def identity(self):
        return ["--agent-id", "home", "--state-dir", self.state]

    def replay(self, lan, wan):
        """Replays in capture-time order; returns the run's directory (out-lan.pcap, out-wan.pcap)."""
        self.runs += 1
        out = os.path.join(self.dir, f"run{self.runs}")
        os.makedirs(out, exist_ok=True)
        t.replay_into(self.ctl, lan, wan, out, self.pub, self.cmd, config=self.config, extra=self.identity())
        return out

    def put_policy(self, mac, mode):
        """Lets the controller order the device's policy to the agent, which keeps it for the next replay."""
        agent = t.IdleAgent(self.config, self.dir, self.pub, self.cmd, extra=self.identity()).start()
        try:
            def in_force():
                rules = agent.rules() or []
                return any(r.get("type") == "device_policy" and r.get("mac") == mac and
                           r["policy"]["mode"] == mode for r in rules)
            t.wait_for(f"{mac}'s policy in {mode} mode at the agent", in_force, timeout=30)
        finally:
            agent.stop()
        t.wait_for("the idle agent's goodbye", lambda: not self.ctl.get("/agents")["agents"][0]["connected"])


def frames(path):
    return [f for _, f, _ in t.read_pcap(path)]


def ip_frames_of(pcap, mac):
    return len(t.tshark_fields(pcap, f"eth.addr == {mac} and (ip or ipv6)", ["frame.number"]))


def counted(conformance):
    return sum(a["pkts"] for a in conformance["aces"]) + conformance["network_services"]["pkts"]


failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


# ---------------------------------------------------------------- the home capture
home_dir = t.workdir("mud-replay-home")
subprocess.run([t.PCAPGEN, "home", "--out", home_dir], check=True, stdout=subprocess.DEVNULL)
lan, wan = os.path.join(home_dir, "home-lan.pcap"), os.path.join(home_dir, "home-wan.pcap")
home = Home("mud-replay-home-run", t.REPLAY_YAML)
with home.ctl:
    home.replay(lan, wan)
    learnt = os.path.join(home.dir, "learnt.json")
    spinctl(home.ctl, "mud", "learn", HOME_CAMERA, "--out", learnt)
    v = json.loads(spinctl(home.ctl, "mud", "validate", learnt, "--strict", "--json", check=False).stdout)
    check(v["valid"] and v["dialect"] == "rfc8520", f"home: the learnt file is not valid --strict: {v}")
    spinctl(home.ctl, "mud", "assign", HOME_CAMERA, "--file", learnt, "--mode", "enforce")
    home.put_policy(HOME_CAMERA, "enforce")
    out = home.replay(lan, wan)
    check(frames(os.path.join(out, "out-wan.pcap")) == frames(lan), "home: the learnt profile dropped LAN frames")
    check(frames(os.path.join(out, "out-lan.pcap")) == frames(wan), "home: the learnt profile dropped WAN frames")
    c = home.ctl.get(f"/devices/{HOME_CAMERA}/mud")
    check(c["violations"] == [] and c["verdict"] == "conforming", f"home: violations {c['violations']}")
    want = ip_frames_of(os.path.join(home_dir, "home.pcap"), HOME_CAMERA)
    check(counted(c) == want, f"home: the entries counted {counted(c)} packets, tshark {want} IP frames")
    print(f"home: learnt {v['aces']} ACEs in {v['acls']} ACLs; enforced, {counted(c)} packets "
          f"({want} by tshark) all allowed, nothing dropped")

# ---------------------------------------------------------------- a corpus capture
root = os.path.join(t.corpus_dir(), "pcap", "iot-sentinel", "D-LinkCam")
if not os.path.isdir(root):
    if failures:
        raise AssertionError("\n".join(failures))
    t.skip(f"the home capture passed; the corpus part needs {root} (../shared/corpus beside the project)")

CAM = open(os.path.join(root, "_iotdevice-mac.txt")).read().strip().lower()
RESOLVER = "10.10.10.1"
d = t.workdir("mud-replay-corpus")
src, lan, wan = (os.path.join(d, n) for n in ("input.pcap", "lan.pcap", "wan.pcap"))
t.to_classic_pcap(os.path.join(root, "Setup-A-1-STA.pcap"), src)
t.split_by_mac(src, lan, wan, [CAM])
names = t.tshark_names(src, CAM)
CLOUD, NTP = "signal.mydlink.com", "ntp1.dlink.com"
maker = {
    "ietf-mud:mud": {
        "mud-version": 1, "mud-url": "https://mud.dlink.test/dcs.json", "last-update": "2026-01-01T00:00:00Z",
        "cache-validity": 48, "is-supported": True, "systeminfo": "A camera (test profile)",
        "from-device-policy": {"access-lists": {"access-list": [{"name": "from"}, {"name": "eth-from"}]}},
        "to-device-policy": {"access-lists": {"access-list": [{"name": "to"}, {"name": "eth-to"}]}}},
    "ietf-access-control-list:acls": {"acl": [
        {"name": "from", "type": "ipv4-acl-type", "aces": {"ace": [
            {"name": "cloud", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": CLOUD},
                                          "tcp": {"destination-port": {"operator": "eq", "port": 443},
                                                  "ietf-mud:direction-initiated": "from-device"}},
             "actions": {"forwarding": "accept"}},
            {"name": "ntp", "matches": {"ipv4": {"protocol": 17, "ietf-acldns:dst-dnsname": NTP},
                                        "udp": {"destination-port": {"operator": "eq", "port": 123}}},
             "actions": {"forwarding": "accept"}},
            {"name": "never", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": CLOUD},
                                          "tcp": {"destination-port": {"operator": "eq", "port": 8443}}},
             "actions": {"forwarding": "accept"}}]}},
        {"name": "to", "type": "ipv4-acl-type", "aces": {"ace": [
            {"name": "cloud", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:src-dnsname": CLOUD},
                                          "tcp": {"source-port": {"operator": "eq", "port": 443},
                                                  "ietf-mud:direction-initiated": "from-device"}},
             "actions": {"forwarding": "accept"}},
            {"name": "ntp", "matches": {"ipv4": {"protocol": 17, "ietf-acldns:src-dnsname": NTP},
                                        "udp": {"source-port": {"operator": "eq", "port": 123}}},
             "actions": {"forwarding": "accept"}}]}},
        {"name": "eth-from", "type": "eth-acl-type", "aces": {"ace": [
            {"name": "eapol", "matches": {"eth": {"ethertype": 0x888e}}, "actions": {"forwarding": "accept"}}]}},
        {"name": "eth-to", "type": "eth-acl-type", "aces": {"ace": [
            {"name": "eapol", "matches": {"eth": {"ethertype": 0x888e}}, "actions": {"forwarding": "accept"}}]}}]}}


def oracle():
    """From tshark's dissection: each of the camera's IP frames with its flow's
    shape and whether the profile above (and the network services: DHCP, DNS
    to the resolver) lets it pass."""
    rows = t.tshark_fields(src, f"eth.addr == {CAM} and ip", [
        "frame.number", "eth.src", "ip.src", "ip.dst", "ip.proto", "tcp.srcport", "tcp.dstport", "udp.srcport",
        "udp.dstport", "icmp.type"])
    cloud = {a for a, n in names.items() if CLOUD in n}
    ntp = {a for a, n in names.items() if NTP in n}
    openers, out = {}, []
    for v in rows:
        number, outgoing, proto = int(v[0]), v[1] == CAM, int(v[4])
        remote = v[3] if outgoing else v[2]
        sport, dport = (v[5], v[6]) if v[5] else (v[7], v[8])
        # An ICMP error quotes a datagram: its ports are not this frame's.
        sport, dport = (int(sport), int(dport)) if sport and proto in (6, 17) else (0, 0)
        device_port, remote_port = (sport, dport) if outgoing else (dport, sport)
        flow = (remote, proto, device_port, remote_port)
        opener = openers.setdefault(flow, "device" if outgoing else "remote")
        service_port = remote_port if opener == "device" else device_port
        allowed = (
            (proto == 17 and device_port == 68 and remote_port == 67) or
            (proto in (6, 17) and remote_port == 53 and remote == RESOLVER and opener == "device") or
            (proto == 6 and remote_port == 443 and remote in cloud and opener == "device") or
            (proto == 17 and remote_port == 123 and remote in ntp) or
            (proto == 1 and not outgoing and v[9] in ("3", "11", "12")))
        out.append((number, outgoing, (remote, proto, service_port if proto in (6, 17) else None,
                                       "out" if opener == "device" else "in"), allowed))
    return out


seen = oracle()
want_violations = {shape for _, _, shape, allowed in seen if not allowed}
dropped = {number for number, _, _, allowed in seen if not allowed}
config = t.write_config(os.path.join(d, "agent.yaml"),
                        open(t.REPLAY_YAML).read() + f"network:\n  resolvers: [{RESOLVER}]\n")
corpus = Home("mud-replay-corpus-run", config)
with corpus.ctl:
    maker_file = os.path.join(d, "maker.json")
    with open(maker_file, "w") as f:
        json.dump(maker, f, indent=1)
    spinctl(corpus.ctl, "mud", "assign", CAM, "--file", maker_file, "--mode", "monitor")
    corpus.put_policy(CAM, "monitor")
    out = corpus.replay(lan, wan)
    check(frames(os.path.join(out, "out-wan.pcap")) == frames(lan), "corpus: monitor mode dropped LAN frames")
    c = corpus.ctl.get(f"/devices/{CAM}/mud")
    got = {(x["remote_ip"], x["proto"], (x["remote_port"] if x["direction"] == "out" else x["device_port"])
            if x["proto"] in (6, 17) else None, x["direction"]) for x in c["violations"]}
    check(got == want_violations, f"corpus: violations differ from tshark's flows outside the profile:\n"
                                  f"  only the API: {sorted(got - want_violations, key=str)}\n"
                                  f"  only tshark: {sorted(want_violations - got, key=str)}")
    print(f"corpus monitor: {len(got)} violations, as tshark shows ({len(dropped)} frames outside the profile)")

    diff = json.loads(spinctl(corpus.ctl, "mud", "diff", CAM, "--json").stdout)
    undeclared = {(x["remote_ip"], x["proto"], x.get("remote_port", x.get("device_port"))
                   if x["proto"] in (6, 17) else None, "out" if x["opened_by"] == "device" else "in")
                  for x in diff["undeclared"]}
    # The diff counts DNS as a network service wherever it goes (the agents pass it to the resolver).
    want_undeclared = {s for s in want_violations if not (s[1] in (6, 17) and s[2] == 53 and s[3] == "out")}
    check(undeclared == want_undeclared, f"corpus: diff's undeclared differ from tshark's:\n"
                                         f"  only the diff: {sorted(undeclared - want_undeclared, key=str)}\n"
                                         f"  only tshark: {sorted(want_undeclared - undeclared, key=str)}")
    unused = {(x["acl"], x["ace"]) for x in diff["unused"]}
    check(unused == {("from", "never")}, f"corpus: diff's unused entries {sorted(unused)}, want from/never")

    learnt = os.path.join(d, "learnt.json")
    spinctl(corpus.ctl, "mud", "learn", CAM, "--out", learnt)
    v = json.loads(spinctl(corpus.ctl, "mud", "validate", learnt, "--strict", "--json", check=False).stdout)
    check(v["valid"], f"corpus: the learnt file is not valid --strict: {v}")

    spinctl(corpus.ctl, "mud", "mode", CAM, "enforce")
    corpus.put_policy(CAM, "enforce")
    out = corpus.replay(lan, wan)
    numbered = [(ts, f) for ts, f, _ in t.read_pcap(src)]
    want_wan = [f for i, (_, f) in enumerate(numbered, 1) if f[6:12] == t.mac_bytes(CAM) and i not in dropped]
    want_lan = [f for i, (_, f) in enumerate(numbered, 1) if f[6:12] != t.mac_bytes(CAM) and i not in dropped]
    check(frames(os.path.join(out, "out-wan.pcap")) == want_wan,
          f"corpus enforce: LAN -> WAN {len(frames(os.path.join(out, 'out-wan.pcap')))} frames, "
          f"want {len(want_wan)} (all but the camera's frames outside the profile)")
    check(frames(os.path.join(out, "out-lan.pcap")) == want_lan,
          f"corpus enforce: WAN -> LAN {len(frames(os.path.join(out, 'out-lan.pcap')))} frames, want {len(want_lan)}")
    print(f"corpus enforce: {len(dropped)} frames dropped as tshark's flows outside the profile say, "
          f"{len(want_wan) + len(want_lan)} forwarded byte for byte")

    spinctl(corpus.ctl, "mud", "assign", CAM, "--file", learnt, "--mode", "monitor")
    corpus.put_policy(CAM, "monitor")
    corpus.replay(lan, wan)
    c = corpus.ctl.get(f"/devices/{CAM}/mud")
    check(c["violations"] == [], f"corpus: the learnt profile finds violations: {c['violations']}")
    want = ip_frames_of(src, CAM)
    check(counted(c) == want, f"corpus: the learnt entries counted {counted(c)} packets, tshark {want} IP frames")
    print(f"corpus learnt: {v['aces']} ACEs; replayed in monitor mode, no violation, {counted(c)} packets counted")

if failures:
    raise AssertionError("\n".join(failures))
print("PASS")
