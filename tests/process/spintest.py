"""Shared helpers for SPIN's process tests: run the agent on captures and
compare what it did with independent oracles (tshark, the input bytes).

Standard library only.  Every helper raises AssertionError with a message
that says what differed; tests exit 77 (meson's "skipped") with a reason
when the machine lacks what they need."""

import glob
import ipaddress
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
from collections import defaultdict

SKIP = 77


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def project_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def corpus_dir():
    return os.path.join(project_root(), "..", "shared", "corpus")


def build_path(env, default):
    """Binary path from the environment meson sets, else the default build dir."""
    return os.environ.get(env) or os.path.join(project_root(), "build", default)


AGENT = build_path("SPIN_AGENT", "src/agent/spin-agent")
SPINCTL = build_path("SPINCTL", "src/spinctl/spinctl")
PCAPGEN = build_path("SPIN_PCAPGEN", "tools/pcapgen/spin-pcapgen")
SLOWPATH_DUMP = build_path("SPIN_SLOWPATH_DUMP", "tools/slowpath-dump/spin-slowpath-dump")
CONTROLLER = build_path("SPIN_CONTROLLER", "src/controller/spin-controller")
REPLAY_YAML = os.path.join(project_root(), "config", "replay.yaml")
# Agents keep the rules in force under $STATE_DIRECTORY/agent-<id>: one fresh
# directory per test, so no test inherits another's quarantines.
os.environ["STATE_DIRECTORY"] = tempfile.mkdtemp(prefix="spin-state-")


def dissection_captures():
    """Captures to hold a parser against tshark with: the generated home
    capture, and every classic pcap of the corpus where it is present."""
    d = workdir("home")
    subprocess.run([PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
    captures = [os.path.join(d, "home.pcap")]
    root = os.path.join(corpus_dir(), "pcap")
    if os.path.isdir(root):
        captures += sorted(glob.glob(os.path.join(root, "**", "*.pcap"), recursive=True))
    else:
        print(f"note: corpus not found at {root}; checking the generated capture only")
    return captures


def slowpath_dump(pcap):
    """spin-slowpath-dump's output for a capture: {frame number: JSON object}."""
    out = subprocess.run([SLOWPATH_DUMP, pcap], stdout=subprocess.PIPE, text=True, check=True).stdout
    return {j["frame"]: j for j in map(json.loads, out.splitlines())}


def need_tshark():
    if shutil.which("tshark") is None:
        skip("tshark is not installed (the README's test command installs it)")


def free_port():
    """A TCP port nothing listens on now, on loopback (for agent endpoints)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workdir(name):
    d = tempfile.mkdtemp(prefix=f"spin-{name}-")
    return d


# ---------------------------------------------------------------- pcap files

def read_pcap(path):
    """Frames of a classic pcap file as a list of (ts_us, bytes, orig_len)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise AssertionError(f"{path}: {len(data)} bytes is not a pcap file")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise AssertionError(f"{path}: not a classic pcap file (magic {magic.hex()})")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frames.append((sec * 1_000_000 + (frac // 1000 if nano else frac), data[off:off + caplen], origlen))
        off += caplen
    return frames


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, frame in frames:
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(frame), len(frame)))
            f.write(frame)


def to_classic_pcap(src, dst):
    """Copies any capture libpcap / tshark can read into a classic pcap file."""
    subprocess.run(["tshark", "-r", src, "-F", "pcap", "-w", dst], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.replace("-", ":").split(":"))


def split_by_mac(src, lan_path, wan_path, device_macs):
    """Frames sent by a device MAC enter on the LAN port, all others on the WAN port."""
    macs = {mac_bytes(m) for m in device_macs}
    lan, wan = [], []
    for ts, frame, _ in read_pcap(src):
        (lan if frame[6:12] in macs else wan).append((ts, frame))
    write_pcap(lan_path, lan)
    write_pcap(wan_path, wan)
    return lan, wan


# ------------------------------------------------------------------ the agent

def write_config(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def run_agent(lan_in, wan_in, out_dir, config=REPLAY_YAML, extra=(), timeout=300, expect_rc=0):
    """Replays lan_in / wan_in in bridge mode; returns (flow records, stats, stderr)."""
    out_lan = os.path.join(out_dir, "out-lan.pcap")
    out_wan = os.path.join(out_dir, "out-wan.pcap")
    flow_log = os.path.join(out_dir, "flows.jsonl")
    cmd = [AGENT, "--config", config,
           "--lan", f"net_pcap0,rx_pcap={lan_in},tx_pcap={out_lan}",
           "--wan", f"net_pcap1,rx_pcap={wan_in},tx_pcap={out_wan}",
           "--exit-on-eof", "--flow-log", flow_log, *extra]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != expect_rc:
        raise AssertionError(f"spin-agent exited {p.returncode}, expected {expect_rc}:\n{p.stderr[-4000:]}")
    return read_flow_log(flow_log), parse_stats(p.stderr), p.stderr


class IdleAgent:
    """An agent with nothing to read (empty net_pcap inputs) that publishes on
    `pub` and takes orders on `cmd`: for tests of orders and blocks.
    start(n) (re)starts it, writing its outputs under out_dir as o<n>-*.pcap;
    `extra`: more options (an --agent-id, a --state-dir)."""

    def __init__(self, config, out_dir, pub, cmd, extra=()):
        self.config, self.dir, self.pub, self.cmd, self.extra = config, out_dir, pub, cmd, list(extra)
        self.empty = os.path.join(out_dir, "empty.pcap")
        write_pcap(self.empty, [])
        self.proc = None

    def start(self, n=1):
        self.proc = subprocess.Popen([AGENT, "--config", self.config,
                                      "--lan", f"net_pcap0,rx_pcap={self.empty},tx_pcap={self.dir}/o{n}-lan.pcap",
                                      "--wan", f"net_pcap1,rx_pcap={self.empty},tx_pcap={self.dir}/o{n}-wan.pcap",
                                      "--publish", f"tcp://127.0.0.1:{self.pub}",
                                      "--commands", f"tcp://127.0.0.1:{self.cmd}", *self.extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def rules(self):
        """The agent's rules as `spinctl agent rules` lists them, or None if it does not answer."""
        p = subprocess.run([SPINCTL, "agent", "rules", "--connect", f"tcp://127.0.0.1:{self.cmd}", "--timeout", "2"],
                           stdout=subprocess.PIPE, text=True)
        return json.loads(p.stdout)["rules"] if p.returncode == 0 else None


def read_flow_log(path):
    records = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise AssertionError(f"{path}:{n}: not JSON: {e}: {line[:200]}")
    return records


def parse_stats(stderr):
    """Totals column of the agent's exit report."""
    stats, on = {}, False
    for line in stderr.splitlines():
        if line.startswith("spin-agent counters at exit"):
            on = True
            continue
        if on:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                stats[parts[0]] = int(parts[1])
    return stats


# ------------------------------------------------------------------- oracles

def norm_ip(text):
    return str(ipaddress.ip_address(text))


def tshark_conversations(pcap):
    """tshark's TCP and UDP conversations: {(proto, frozenset of endpoints): [frames_ab, frames_ba]}
    plus exact byte totals from tshark's per-frame dissection (the conv table
    rounds large byte counts to kB)."""
    convs = {}
    for proto, num in (("tcp", 6), ("udp", 17)):
        out = subprocess.run(["tshark", "-r", pcap, "-q", "-z", f"conv,{proto}"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
        for line in out.splitlines():
            if "<->" not in line:
                continue
            left, right = line.split("<->")
            a = left.strip()
            fields = right.split()
            b = fields[0]
            # "<-" frames bytes unit | "->" frames bytes unit | total frames bytes unit
            frames_ba, frames_ab, frames_total = int(fields[1]), int(fields[4]), int(fields[7])
            ea, eb = endpoint(a), endpoint(b)
            key = (num, frozenset((ea, eb)))
            c = convs.setdefault(key, {"frames": 0, "frames_from": defaultdict(int), "bytes": 0,
                                       "bytes_from": defaultdict(int)})
            c["frames"] += frames_total
            c["frames_from"][ea] += frames_ab
            c["frames_from"][eb] += frames_ba
    # Exact bytes per direction from the frames tshark dissected as TCP / UDP
    # (ICMP errors quote a TCP / UDP header: tshark's conversations skip those).
    fields = ["frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
              "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]
    cmd = ["tshark", "-r", pcap, "-Y", "(tcp or udp) and not icmp and not icmpv6", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=f"]
    for fl in fields:
        cmd += ["-e", fl]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    for line in out.splitlines():
        v = line.split("\t")
        if len(v) < 9:
            continue
        src = v[1] or v[3]
        dst = v[2] or v[4]
        if v[5]:
            num, sp, dp = 6, v[5], v[6]
        elif v[7]:
            num, sp, dp = 17, v[7], v[8]
        else:
            continue
        es, ed = (norm_ip(src), int(sp)), (norm_ip(dst), int(dp))
        key = (num, frozenset((es, ed)))
        if key in convs:
            convs[key]["bytes"] += int(v[0])
            convs[key]["bytes_from"][es] += int(v[0])
    return convs


def endpoint(text):
    addr, port = text.rsplit(":", 1)
    return (norm_ip(addr), int(port))


def agent_conversations(records):
    """Flow-log records summed by the same key as tshark's conversations
    (tshark ignores VLAN tags, so do we here)."""
    convs = {}
    for r in records:
        if r["proto"] not in (6, 17):
            continue
        lan = (norm_ip(r["lan_ip"]), r["lan_port"])
        rem = (norm_ip(r["remote_ip"]), r["remote_port"])
        key = (r["proto"], frozenset((lan, rem)))
        c = convs.setdefault(key, {"frames": 0, "frames_from": defaultdict(int), "bytes": 0,
                                   "bytes_from": defaultdict(int)})
        c["frames"] += r["pkts_out"] + r["pkts_in"]
        c["bytes"] += r["bytes_out"] + r["bytes_in"]
        c["frames_from"][lan] += r["pkts_out"]
        c["frames_from"][rem] += r["pkts_in"]
        c["bytes_from"][lan] += r["bytes_out"]
        c["bytes_from"][rem] += r["bytes_in"]
    return convs


def describe(key):
    proto, eps = key
    return f"{'tcp' if proto == 6 else 'udp'} " + " <-> ".join(f"{a}:{p}" for a, p in sorted(eps))


def check_conversations(pcap, records):
    """Every conversation tshark finds appears in the flow log with the same
    frame and byte totals, per direction.  Returns the number checked."""
    want = tshark_conversations(pcap)
    got = agent_conversations(records)
    problems = []
    for key, w in want.items():
        g = got.get(key)
        if g is None:
            problems.append(f"missing from flow log: {describe(key)} ({w['frames']} frames)")
            continue
        if g["frames"] != w["frames"] or g["bytes"] != w["bytes"]:
            problems.append(f"{describe(key)}: tshark {w['frames']} frames / {w['bytes']} bytes, "
                            f"agent {g['frames']} / {g['bytes']}")
            continue
        for ep in key[1]:
            if g["frames_from"][ep] != w["frames_from"][ep] or g["bytes_from"][ep] != w["bytes_from"][ep]:
                problems.append(f"{describe(key)} from {ep}: tshark {w['frames_from'][ep]} frames / "
                                f"{w['bytes_from'][ep]} bytes, agent {g['frames_from'][ep]} / {g['bytes_from'][ep]}")
    extra = set(got) - set(want)
    for key in sorted(extra, key=describe)[:20]:
        problems.append(f"in flow log but not a tshark conversation: {describe(key)}")
    if problems:
        raise AssertionError(f"{pcap}: {len(problems)} conversation mismatch(es):\n  " + "\n  ".join(problems[:40]))
    return len(want)


def check_forwarded(inputs, outputs, label):
    """Frames leaving a port equal the frames that entered the other, in order, byte for byte."""
    got = [f for _, f, _ in read_pcap(outputs)]
    want = [f for _, f, _ in read_pcap(inputs)]
    if got == want:
        return len(got)
    for i, (a, b) in enumerate(zip(want, got)):
        if a != b:
            raise AssertionError(f"{label}: frame {i} differs:\n in  {a[:64].hex()}\n out {b[:64].hex()}")
    raise AssertionError(f"{label}: {len(want)} frames in, {len(got)} out")


class Controller:
    """spin-controller on loopback with its own store, API on a free port.
    Use as a context manager; stop() ends it with SIGTERM (kill() with -9).
    `binary`: another build's spin-controller (the benchmark's); `host`: where
    it listens (off loopback it needs `token`)."""

    def __init__(self, agents, db=None, extra=(), config=None, token=None, binary=None, host="127.0.0.1"):
        import time
        self.dir = workdir("controller")
        self.db = db or os.path.join(self.dir, "spin.db")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self.log = open(os.path.join(self.dir, "controller.log"), "a")
        # `host`: the address it listens on (0.0.0.0: all); the test speaks to it on loopback.
        cmd = [binary or CONTROLLER, "--listen", f"{host}:{self.port}", "--db", self.db]
        self.token = token
        if token:
            cmd += ["--token", token]
        if config:
            cmd += ["--config", config]
        for a in agents:
            cmd += ["--agent", a]
        self.proc = subprocess.Popen([*cmd, *extra], stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"spin-controller exited {self.proc.returncode}:\n{self.log_text()}")
            try:
                self.get("/agents")
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("spin-controller's API did not come up within 20 s")

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-6000:]

    def request(self, method, path, body=None, headers=None, raw=None):
        """(status, parsed JSON body) of an API call; raw: bytes sent as is."""
        import urllib.request
        import urllib.error
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = dict(headers or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        # Every write is JSON (the API refuses others: docs/security.md).
        if (data is not None or method in ("POST", "PATCH", "PUT", "DELETE")) and "Content-Type" not in headers:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            try:
                return e.code, json.loads(text)
            except json.JSONDecodeError:
                raise AssertionError(f"{method} {path}: {e.code} with a body that is not JSON: {text[:300]}")

    def get(self, path):
        status, body = self.request("GET", path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body}")
        return body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("spin-controller did not stop within 20 s of SIGTERM")
        return self.proc.returncode

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def wait_for(what, check, timeout=20, interval=0.05):
    """Polls check() until it returns a true value; AssertionError after timeout."""
    import time
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def replay_into(ctl, lan, wan, out_dir, pub, cmd, config=REPLAY_YAML, extra=()):
    """Replays lan / wan in capture-time order through an agent publishing on
    loopback port `pub` and taking orders on `cmd`, into the controller `ctl`
    (its one agent); returns run_agent's answer once the controller saw the
    agent's goodbye (what the agent sent is in the store by then)."""
    out = run_agent(lan, wan, out_dir, config=config,
                    extra=["--publish", f"tcp://127.0.0.1:{pub}", "--commands", f"tcp://127.0.0.1:{cmd}",
                           "--wait-subscribers", "1", "--replay-order", "time", *extra])
    wait_for("the replay's goodbye", lambda: not ctl.get("/agents")["agents"][0]["connected"])
    return out


class Checks:
    """Differences collected, so that one run reports all of them: check(ok,
    what) notes `what` unless ok and returns ok; finish() fails the test with
    every one noted."""

    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok

    def finish(self):
        if self.failures:
            raise SystemExit("FAILED:\n  " + "\n  ".join(self.failures))


# Oracles for the controller's view of one device, from tshark's dissection.
def tshark_fields(pcap, display_filter, fields, occurrence="f"):
    cmd = ["tshark", "-r", pcap, "-Y", display_filter, "-T", "fields", "-E", "separator=\t",
           "-E", f"occurrence={occurrence}", "-E", "aggregator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def tshark_traffic(pcap, mac):
    """{(remote_ip, proto, remote_port): [pkts_out, bytes_out, pkts_in, bytes_in]} of the device's
    TCP / UDP frames, from tshark's dissection of each frame."""
    rows = tshark_fields(pcap, f"(tcp or udp) and not icmp and not icmpv6 and eth.addr == {mac}",
                         ["frame.len", "eth.src", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
                          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"])
    out = defaultdict(lambda: [0, 0, 0, 0])
    for v in rows:
        length, src_mac = int(v[0]), v[1]
        src, dst = v[2] or v[4], v[3] or v[5]
        proto, sport, dport = (6, v[6], v[7]) if v[6] else (17, v[8], v[9])
        if src_mac == mac:
            c = out[(norm_ip(dst), proto, int(dport))]
            c[0] += 1
            c[1] += length
        else:
            c = out[(norm_ip(src), proto, int(sport))]
            c[2] += 1
            c[3] += length
    return dict(out)


def traffic_differences(destinations, pcap, mac):
    """Where the API's TCP / UDP destinations of a device differ from
    tshark_traffic(): [(key, API's [pkts/bytes out, pkts/bytes in], tshark's)]."""
    got = {(x["remote_ip"], x["proto"], x["remote_port"]): [x["pkts_out"], x["bytes_out"], x["pkts_in"], x["bytes_in"]]
           for x in destinations if x["proto"] in (6, 17)}
    want = tshark_traffic(pcap, mac)
    return [(key, got.get(key), want.get(key)) for key in sorted(set(got) | set(want), key=str)
            if got.get(key) != want.get(key)]


def tshark_names(pcap, mac):
    """{address: {names}}: the asked name of every DNS answer (UDP / TCP 53, NOERROR) the device
    received, bound to each A / AAAA address in the answer section."""
    rows = tshark_fields(pcap, f"dns.flags.response == 1 and dns.flags.rcode == 0 and eth.dst == {mac} "
                               "and (udp.port == 53 or tcp.port == 53)",
                         ["dns.qry.name", "dns.count.answers", "dns.resp.type", "dns.a", "dns.aaaa"], occurrence="a")
    names = defaultdict(set)
    for v in rows:
        qname = v[0].split("|")[0].lower().rstrip(".")
        answers = int(v[1].split("|")[0] or 0)
        types = [x for x in v[2].split("|") if x]
        a, aaaa = [x for x in v[3].split("|") if x], [x for x in v[4].split("|") if x]
        for i, rr_type in enumerate(types):
            address = a.pop(0) if rr_type == "1" and a else aaaa.pop(0) if rr_type == "28" and aaaa else None
            if address and i < answers:
                names[norm_ip(address)].add(qname)
    return names


def tshark_hostname(pcap, mac):
    rows = tshark_fields(pcap, f"dhcp.hw.mac_addr == {mac} and dhcp.option.hostname", ["dhcp.option.hostname"])
    values = [v[0] for v in rows if v and v[0]]
    return values[-1] if values else ""


def tshark_vendor(pcap, mac):
    rows = tshark_fields(pcap, f"eth.src == {mac}", ["eth.src.oui_resolved"])
    return rows[0][0] if rows and rows[0] else ""


# ------------------------------------- flows per conversation and direction
# The exports' checks (IPFIX, the MQTT feed): {(proto, frozenset of
# endpoints): {endpoint: (packets, bytes) it sent}}, from any source.

def is_device_mac(mac):
    if not mac:  # the flow log's "no LAN-side MAC"
        return False
    first = int(mac.split(":")[0], 16)
    return mac != "00:00:00:00:00:00" and not first & 1


def conversations(flows):
    """{(proto, frozenset of endpoints): {endpoint: [packets, bytes] sent}} from
    (proto, src, sport, dst, dport, fwd packets, fwd bytes, rev packets, rev bytes)."""
    out = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for proto, src, sport, dst, dport, fp, fb, rp, rb in flows:
        a, b = (norm_ip(src), sport), (norm_ip(dst), dport)
        c = out[(proto, frozenset((a, b)))]
        c[a][0] += fp
        c[a][1] += fb
        c[b][0] += rp
        c[b][1] += rb
    return {k: {ep: tuple(v) for ep, v in c.items() if v != [0, 0]} for k, c in out.items()}


def flow_log_conversations(records):
    return conversations((r["proto"], r["lan_ip"], r["lan_port"], r["remote_ip"], r["remote_port"], r["pkts_out"],
                          r["bytes_out"], r["pkts_in"], r["bytes_in"]) for r in records if is_device_mac(r["mac"]))


def tshark_conversation_totals(pcap):
    return {k: {ep: (c["frames_from"][ep], c["bytes_from"][ep]) for ep in k[1] if c["frames_from"][ep]}
            for k, c in tshark_conversations(pcap).items()}


def merge_conversations(tables):
    """Conversation tables added together (a DHCP broadcast is in more than one capture)."""
    out = defaultdict(lambda: defaultdict(lambda: (0, 0)))
    for table in tables:
        for k, c in table.items():
            for ep, (p, b) in c.items():
                q, d = out[k][ep]
                out[k][ep] = (q + p, d + b)
    return {k: dict(c) for k, c in out.items()}


def compare_conversations(label, got, want, only_tcp_udp=False):
    """Differences between two conversation tables (as `conversations` gives)."""
    keys = {k for k in set(got) | set(want) if not only_tcp_udp or k[0] in (6, 17)}
    problems = []
    for k in sorted(keys, key=repr):
        if got.get(k) != want.get(k):
            problems.append(f"{k}: {label} {got.get(k)}, expected {want.get(k)}")
    assert not problems, f"{len(problems)} conversation(s) differ:\n  " + "\n  ".join(problems[:30])
    return len(keys)
