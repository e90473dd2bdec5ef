#!/usr/bin/env python3
"""The controller's IPFIX export (docs/integrations.md), checked by collectors
SPIN has no part in:

  - UDP into nfdump's nfcapd: a home capture and a camera turning bot
    (`spin-pcapgen attack`: long benign sessions that send update records,
    thousands of scan flows) are replayed through spin-agent into a
    controller with export.ipfix; nfcapd stores what arrives and `nfdump -o
    json` reads it back.  Summed per conversation and direction, nfdump's
    packets and bytes equal the agent's flow log, and tshark's own count of
    the capture; nfcapd saw no sequence error and as many records as the
    controller says it sent.
  - TCP into a plain listener, with tshark capturing the connection and
    dissecting IPFIX itself: the same totals again, every record's template
    known, RFC 5103's reverse counters where they belong.
  - A collector that is not there (TCP refused) costs nothing but counted
    drops: the controller goes on ingesting, and catches up when it comes."""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import spintest as t

t.need_tshark()
if not shutil.which("nfcapd") or not shutil.which("nfdump"):
    t.skip("nfdump is not installed (tools/install-deps installs Debian's nfdump)")
work = t.workdir("ipfix")
subprocess.run([t.PCAPGEN, "home", "--out", work], check=True, stdout=subprocess.DEVNULL)
subprocess.run([t.PCAPGEN, "attack", "--out", work, "--phases", "mirai,udp_flood", "--benign", "30",
                "--phase-seconds", "8", "--gap", "5"], check=True, stdout=subprocess.DEVNULL)
CAPTURES = [("home", os.path.join(work, "home.pcap")), ("attack", os.path.join(work, "attack.pcap"))]


def wait_exported(ctl):
    """The export's counters once they stop moving (every record sent)."""
    last = None
    while True:
        ipfix = ctl.get("/status")["status"]["export"]["ipfix"]
        if ipfix == last:
            return ipfix
        last = ipfix
        time.sleep(1)


def replay_all(ctl, pub, cmd):
    records = {}
    for name, _ in CAPTURES:
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        records[name], _, _ = t.replay_into(ctl, os.path.join(work, f"{name}-lan.pcap"),
                                            os.path.join(work, f"{name}-wan.pcap"), d, pub, cmd)
    return records


# ---------------------------------------------------------------- UDP: nfcapd
collector = t.free_port()
flowdir = os.path.join(work, "nfcapd")
os.makedirs(flowdir)
nfcapd_log = open(os.path.join(work, "nfcapd.log"), "w")
# A replay sends a home's day in seconds: nfcapd gets the socket buffer docs/integrations.md advises.
nfcapd = subprocess.Popen(["nfcapd", "-b", "127.0.0.1", "-p", str(collector), "-w", flowdir, "-t", "3600",
                           "-B", "4194304"],
                          stdout=nfcapd_log, stderr=subprocess.STDOUT)
t.wait_for("nfcapd to listen", lambda: "Startup nfcapd" in open(nfcapd_log.name).read(), timeout=20)
config = t.write_config(os.path.join(work, "udp.yaml"),
                        f'export: {{ipfix: {{collector: "127.0.0.1:{collector}", max_delay: 0.2, '
                        f'template_refresh: 1}}}}\n')
pub, cmd = t.free_port(), t.free_port()
try:
    with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], config=config) as ctl:
        records = replay_all(ctl, pub, cmd)
        sent = wait_exported(ctl)
        ingest = ctl.get("/status")["status"]["ingest"]
finally:
    nfcapd.send_signal(signal.SIGTERM)
    nfcapd.wait(timeout=30)
    nfcapd_log.close()
log = open(nfcapd_log.name).read()
assert sent["records"] > 0 and sent["records_dropped"] == 0 and sent["errors"] == 0, sent
assert sent["template_sets"] > 1, f"templates were not sent again within template_refresh: {sent}"

assert "Sequence Errors: 0" in log and "Bad Packets: 0" in log, log[-2000:]
files = sorted(glob.glob(os.path.join(flowdir, "nfcapd.*")))
assert files, f"nfcapd wrote no file:\n{log[-2000:]}"
nf = []
for f in files:
    out = subprocess.run(["nfdump", "-r", f, "-o", "json"], stdout=subprocess.PIPE, text=True, check=True).stdout
    nf += json.loads(out) if out.strip() else []
assert len(nf) == sent["records"], f"nfdump lists {len(nf)} records, the controller sent {sent['records']}"
assert all(r.get("export_sysid") is not None for r in nf)
macs = {r["in_src_mac"] if r["in_src_mac"] != "00:00:00:00:00:00" else r["in_dst_mac"] for r in nf}
assert all(t.is_device_mac(m) for m in macs), macs


ICMP = (1, 58)


def nfdump_tuple(r):
    """nfdump gives an ICMP flow its type and code instead of ports (the agent's are 0)."""
    src = r.get("src4_addr") or r.get("src6_addr")
    dst = r.get("dst4_addr") or r.get("dst6_addr")
    sport, dport = (0, 0) if r["proto"] in ICMP else (r["src_port"], r["dst_port"])
    return (r["proto"], src, sport, dst, dport, r["in_packets"], r["in_bytes"], r["out_packets"], r["out_bytes"])


# nfdump's records per capture: each replay is its own time span.
got = t.conversations(nfdump_tuple(r) for r in nf)
icmp_types = {(r["lan_ip"], r["remote_ip"], r["icmp_type"]) for name, _ in CAPTURES for r in records[name]
              if r["proto"] in ICMP and t.is_device_mac(r["mac"])}
nf_icmp = {(r.get("src4_addr") or r.get("src6_addr"), r.get("dst4_addr") or r.get("dst6_addr"), r["icmp_type"])
           for r in nf if r["proto"] in ICMP and r["icmp_code"] == 0}
assert {(t.norm_ip(a), t.norm_ip(b), c) for a, b, c in nf_icmp} >= {(t.norm_ip(a), t.norm_ip(b), c)
                                                                      for a, b, c in icmp_types}, (nf_icmp, icmp_types)
want = t.merge_conversations(t.flow_log_conversations(records[name]) for name, _ in CAPTURES)
tshark = t.merge_conversations(t.tshark_conversation_totals(pcap) for _, pcap in CAPTURES)
oracle = {k: v for k, v in tshark.items() if k in want}
n = t.compare_conversations("nfdump", got, want)
m = t.compare_conversations("nfdump", {k: v for k, v in got.items() if k[0] in (6, 17)}, oracle, only_tcp_udp=True)
packets = sum(p for c in got.values() for p, _ in c.values())
print(f"UDP: nfcapd stored {len(nf)} records ({sent['messages']} messages, {sent['octets']} bytes, "
      f"{sent['template_sets']} template sets) of {ingest['records']} agent records; {n} conversations "
      f"({packets} packets) equal the flow log's, {m} TCP / UDP ones tshark's, no sequence error")

# -------------------------------------------- TCP: a listener, tshark decodes
collector = t.free_port()
received = bytearray()
listener = None


def accept_all():
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            while data := conn.recv(65536):
                received.extend(data)


capture = os.path.join(work, "ipfix-tcp.pcapng")
tshark_log = open(os.path.join(work, "tshark.log"), "w")
config = t.write_config(os.path.join(work, "tcp.yaml"),
                        f'export: {{ipfix: {{collector: "127.0.0.1:{collector}", transport: tcp, max_delay: 0.2}}}}\n')
pub, cmd = t.free_port(), t.free_port()
with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], config=config) as ctl:
    # Refused first: nothing listens yet, and ingest goes on.
    d = os.path.join(work, "refused")
    os.makedirs(d)
    t.replay_into(ctl, os.path.join(work, "home-lan.pcap"), os.path.join(work, "home-wan.pcap"), d, pub, cmd)
    refused = wait_exported(ctl)
    assert refused["records"] == 0 and refused["records_dropped"] > 0 and refused["errors"] > 0, refused
    assert not refused["connected"] and "refused" in refused["last_error"].lower(), refused
    assert ctl.get("/status")["status"]["ingest"]["records"] > 0
    # Now a collector, and tshark on the connection.
    listener = socket.create_server(("127.0.0.1", collector))
    reader = threading.Thread(target=accept_all, daemon=True)
    reader.start()
    tshark = subprocess.Popen(["tshark", "-i", "lo", "-f", f"tcp port {collector}", "-w", capture],
                              stdout=tshark_log, stderr=subprocess.STDOUT)
    t.wait_for("tshark to capture", lambda: "Capturing on" in open(tshark_log.name).read(), timeout=30)
    t.wait_for("the controller to connect", lambda: ctl.get("/status")["status"]["export"]["ipfix"]["connected"],
               timeout=15)
    records = replay_all(ctl, pub, cmd)
    sent = wait_exported(ctl)
    assert ctl.stop() == 0
time.sleep(0.5)
tshark.send_signal(signal.SIGINT)
tshark.wait(timeout=30)
listener.close()
tshark_log.close()
assert sent["connects"] == 1 and sent["records"] > 0 and sent["records_dropped"] == refused["records_dropped"], sent
assert len(received) == sent["octets"], f"the listener got {len(received)} bytes, the controller sent {sent['octets']}"


def collect(pairs):
    """A JSON object whose repeated keys (tshark gives the reverse counters
    the forward ones' names) become lists."""
    out = {}
    for k, v in pairs:
        if k in out:
            out[k] = (out[k] if isinstance(out[k], list) and k.startswith("cflow.") else [out[k]]) + [v]
        else:
            out[k] = v
    return out


dissected = subprocess.run(["tshark", "-r", capture, "-d", f"tcp.port=={collector},cflow", "-T", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
flows, problems = [], []


def walk(node):
    if isinstance(node, dict):
        if "cflow.srcport" in node:
            flows.append(node)
            return
        for k, v in node.items():
            if "cflow.unknown" in k or "Expert Info" in k:
                problems.append(k)
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)


walk(json.loads(dissected, object_pairs_hook=collect))
assert not problems, problems[:5]
assert len(flows) == sent["records"], f"tshark dissected {len(flows)} records, the controller sent {sent['records']}"


def tshark_tuple(f):
    octets, packets = f["cflow.octets"], f["cflow.packets"]
    assert isinstance(octets, list) and len(octets) == 2 and len(packets) == 2, f
    return (int(f["cflow.protocol"]), f.get("cflow.srcaddr") or f["cflow.srcaddrv6"], int(f["cflow.srcport"]),
            f.get("cflow.dstaddr") or f["cflow.dstaddrv6"], int(f["cflow.dstport"]), int(packets[0]), int(octets[0]),
            int(packets[1]), int(octets[1]))


got = t.conversations(tshark_tuple(f) for f in flows)
want = t.merge_conversations(t.flow_log_conversations(records[name]) for name, _ in CAPTURES)
n = t.compare_conversations("tshark's IPFIX", got, want)
print(f"TCP: refused at first ({refused['records_dropped']} records dropped and counted, ingest unharmed); then "
      f"{sent['records']} records in {sent['messages']} messages that tshark dissects with no unknown field; "
      f"{n} conversations equal the flow log's")
print("ipfix: ok")
