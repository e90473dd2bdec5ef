#!/usr/bin/env python3
"""Writes seed inputs for the fuzz harnesses into DIR/<harness>/."""
import glob
import json
import os
import struct
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "tests", "process"))
import spintest  # noqa: E402

out = sys.argv[1]
for h in ("packet-parser", "digest-batch", "agent-config", "dns", "dhcp", "neighbour", "discovery", "orders",
          "event-builder", "api", "rule", "mud", "agent-event"):
    os.makedirs(os.path.join(out, h), exist_ok=True)

# Frames: the generated home capture and the first frames of each corpus capture.
tmp = os.path.join(out, "home")
os.makedirs(tmp, exist_ok=True)
subprocess.run([os.path.join(root, "build", "tools", "pcapgen", "spin-pcapgen"), "home", "--out", tmp],
               check=True, stdout=subprocess.DEVNULL)
captures = [os.path.join(tmp, "home.pcap")] + sorted(
    glob.glob(os.path.join(spintest.corpus_dir(), "pcap", "**", "*.pcap"), recursive=True))
n = 0
for cap in captures:
    try:
        frames = spintest.read_pcap(cap)
    except AssertionError:
        continue
    for _, frame, _ in frames[:40]:
        with open(os.path.join(out, "packet-parser", f"frame-{n}"), "wb") as f:
            f.write(frame)
        n += 1

# DNS and DHCP: the UDP payloads of port 53 / 5353 and 67 / 68 frames among those.
for i, name in enumerate(sorted(os.listdir(os.path.join(out, "packet-parser")))):
    frame = open(os.path.join(out, "packet-parser", name), "rb").read()
    if len(frame) > 42 and frame[12:14] == b"\x08\x00" and frame[23] == 17:
        ihl = (frame[14] & 15) * 4
        udp = 14 + ihl
        ports = {int.from_bytes(frame[udp:udp + 2], "big"), int.from_bytes(frame[udp + 2:udp + 4], "big")}
        kind = "dns" if ports & {53, 5353} else "dhcp" if ports & {67, 68} else None
        if kind:
            with open(os.path.join(out, kind, f"msg-{i}"), "wb") as f:
                f.write(frame[udp + 8:])

# ARP payloads and ICMPv6 messages among those frames.
for i, name in enumerate(sorted(os.listdir(os.path.join(out, "packet-parser")))):
    frame = open(os.path.join(out, "packet-parser", name), "rb").read()
    if frame[12:14] == b"\x08\x06":
        payload = frame[14:]
    elif frame[12:14] == b"\x86\xdd" and len(frame) > 54 and frame[20] == 58:
        payload = frame[54:]
    else:
        continue
    with open(os.path.join(out, "neighbour", f"msg-{i}"), "wb") as f:
        f.write(payload)

# DHCPv6 and LLDP payloads from the generated discovery capture.
disc = os.path.join(tmp, "discovery.pcap")
subprocess.run([os.path.join(root, "build", "tools", "pcapgen", "spin-pcapgen"), "discovery", "--out", disc],
               check=True)
for i, (_, frame, _) in enumerate(spintest.read_pcap(disc)):
    payload = frame[14:] if frame[12:14] == b"\x88\xcc" else frame[62:]  # LLDPDU, or UDP payload over IPv6
    with open(os.path.join(out, "discovery", f"msg-{i}"), "wb") as f:
        f.write(payload)

# Configs: the shipped YAML files.
for y in glob.glob(os.path.join(root, "config", "*.yaml")):
    with open(y, "rb") as src, open(os.path.join(out, "agent-config", os.path.basename(y)), "wb") as dst:
        dst.write(src.read())

# Digest batches: one hand-assembled batch of one record and one rule name.
record = bytearray(128)
record[0], record[2], record[3] = 3, 6, 4
header = b"SPDG" + struct.pack("<HHQQQIHH", 1, 48, 1, 2, 3, 1, 128, 4) + b"home\0\0\0\0"
batch = header + bytes(record) + struct.pack("<IIH", 1, 0, 4) + b"rule"
with open(os.path.join(out, "digest-batch", "one-record"), "wb") as f:
    f.write(batch)

# SSDP: an announcement and a search, as devices send them.
for name, text in (("notify", "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\n"
                             "NTS: ssdp:alive\r\nSERVER: Linux/5.4 UPnP/1.0 Cam/2.1\r\n"
                             "USN: uuid:1234::upnp:rootdevice\r\nLOCATION: http://10.0.0.12:80/desc.xml\r\n\r\n"),
                   ("search", "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
                              "MX: 1\r\nST: ssdp:all\r\nUSER-AGENT: Android/13 UPnP/1.1\r\n\r\n")):
    with open(os.path.join(out, "discovery", f"ssdp-{name}"), "w") as f:
        f.write(text)

# Orders: one of each kind, as docs/protocol.md shows them.
orders = [
    '{"id": "o-1", "op": "block", "rule": {"type": "quarantine", "mac": "02:53:50:49:4e:12"}}',
    '{"id": 2, "op": "block", "rule": {"type": "device_remote", "mac": "02:53:50:49:4e:12", '
    '"remote": "198.51.100.0/24"}}',
    '{"id": "o-3", "op": "block", "rule": {"type": "device_name", "mac": "02:53:50:49:4e:12", '
    '"domain": "*.example.com"}}',
    '{"id": "o-4", "op": "block", "rule": {"type": "flow", "proto": "tcp", "lan_ip": "10.0.0.5", "lan_port": 1234, '
    '"remote_ip": "192.0.2.1", "remote_port": 80}}',
    '{"id": "o-7", "op": "block", "rule": {"type": "device_policy", "mac": "02:53:50:49:4e:12", "policy": '
    '{"mode": "enforce", "profile": "https://maker.example/x", "entries": [{"acl": "fr", "ace": "a", '
    '"toward": "remote", "ip": 4, "proto": 6, "domain": "cloud.maker.example", "remotes": ["192.0.2.0/24"], '
    '"remote_port": {"lower": 443, "upper": 443}, "opened_by": "device"}, {"acl": "fr", "ace": "b", '
    '"action": "drop", "toward": "device", "icmp_type": 8, "icmp_code": 0, "device_port": '
    '{"lower": 23, "upper": 23, "negate": true}}]}}}',
    '{"id": "o-5", "op": "unblock", "rule_id": 3}',
    '{"id": "o-6", "op": "rules"}',
    '{"op": "ping"}',
]
for i, text in enumerate(orders):
    with open(os.path.join(out, "orders", f"order-{i}"), "w") as f:
        f.write(text)

# Rules and the values in them: each kind's rule object, and spellings that
# mean the same value (host bits, bare addresses, MAC case, trailing dots).
rules = [json.dumps(json.loads(o)["rule"]) for o in orders if '"rule"' in o] + [
    '{"type": "device_allow", "mac": "02:53:50:49:4e:12", "remotes": ["192.0.2.0/24", "2001:db8::1"], '
    '"domains": ["*.vendor.example"]}',
    '{"type": "global", "remote": "2001:db8:bad::/48", "name": "bad net"}',
    '{"type": "remote", "mac": "02-53-50-49-4E-12", "remote": "10.0.0.1/24"}',
    "02:53:50:49:4E:12", "aa-bb-cc-dd-ee-ff", "10.0.0.1/24", "10.0.0.1", "2001:DB8::1/64", "::ffff:10.0.0.1/120",
    "*.Tracker.Example.", "example.com", "a..b", "x" * 64 + ".example",
]
for i, text in enumerate(rules):
    with open(os.path.join(out, "rule", f"rule-{i}"), "w") as f:
        f.write(text)

# Whole frames for the event builder: a side byte, then the frame.
for i, name in enumerate(sorted(os.listdir(os.path.join(out, "packet-parser")))):
    frame = open(os.path.join(out, "packet-parser", name), "rb").read()
    with open(os.path.join(out, "event-builder", f"frame-{i}"), "wb") as f:
        f.write(bytes([i & 3]) + frame)

# API requests: every example of docs/api.md, as fuzz-api reads them (a
# method byte, the target, a newline, the body).
import re  # noqa: E402
methods = ["GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD"]
doc = open(os.path.join(root, "docs", "api.md")).read()
for i, m in enumerate(re.finditer(r"<!-- api-example[^>]*-->\s*```http\n(.*?)```", doc, re.S)):
    head, _, body = m.group(1).partition("\n\n")
    method, target = head.splitlines()[0].split()[:2]
    if "MAX_BODY" in body:
        body = "x" * 70000
    with open(os.path.join(out, "api", f"example-{i}"), "wb") as f:
        f.write(bytes([methods.index(method)]) + target.encode() + b"\n" + body.strip().encode())

# MUD files: every shared one (each dialect) and a small one of each match kind.
import shutil  # noqa: E402
for i, path in enumerate(sorted(glob.glob(os.path.join(spintest.corpus_dir(), "mud", "*", "*.json")))):
    shutil.copyfile(path, os.path.join(out, "mud", f"corpus-{i}.json"))
small = {"ietf-mud:mud": {"mud-version": 1, "mud-url": "https://a.example/x",
                          "last-update": "2026-01-01T00:00:00Z", "is-supported": True,
                          "from-device-policy": {"access-lists": {"access-list": [{"name": "a"}]}}},
         "ietf-access-control-list:acls": {"acl": [{"name": "a", "type": "ipv4-acl-type", "aces": {"ace": [
             {"name": "p", "matches": {"ipv4": {"protocol": 17, "destination-ipv4-network": "192.0.2.0/24"},
                                       "udp": {"destination-port": {"lower-port": 1, "upper-port": 9}}},
              "actions": {"forwarding": "accept"}},
             {"name": "m", "matches": {"ietf-mud:mud": {"local-networks": [None]}, "icmp": {"type": 8}},
              "actions": {"forwarding": "accept"}}]}}]}}
with open(os.path.join(out, "mud", "small.json"), "w") as f:
    json.dump(small, f)

# Agent events as the controller reads them: every example line of docs/protocol.md, and a stats event.
with open(os.path.join(root, "docs", "protocol.md")) as f:
    examples = [line for line in f.read().splitlines() if line.startswith('{"agent":')]
examples.append(json.dumps({"agent": "a", "boot": 1.5, "seq": 3, "type": "stats", "time": 2.5,
                            "workers": [{"worker": 0, "counters": {"lan_rx_pkts": 10, "flows_active": 2}}],
                            "ports": [{"port": "lan", "rx_packets": 10, "rx_missed": 1}],
                            "rules": [{"id": 4, "pkts": 2, "bytes": 120}]}))
for i, line in enumerate(examples):
    with open(os.path.join(out, "agent-event", f"event-{i}"), "w") as f:
        f.write(line)
