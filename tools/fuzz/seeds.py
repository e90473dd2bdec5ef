#!/usr/bin/env python3
"""Writes seed inputs for the fuzz harnesses into DIR/<harness>/."""
import glob
import os
import struct
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "tests", "process"))
import spintest  # noqa: E402

out = sys.argv[1]
for h in ("packet-parser", "digest-batch", "agent-config", "dns", "dhcp", "neighbour", "discovery"):
    os.makedirs(os.path.join(out, h), exist_ok=True)

# Frames: the generated home capture and the first frames of each corpus capture.
tmp = os.path.join(out, "home")
os.makedirs(tmp, exist_ok=True)
subprocess.run([os.path.join(root, "build", "tools", "pcapgen", "spin-pcapgen"), "home", "--out", tmp],
               check=True, stdout=subprocess.DEVNULL)
captures = [os.path.join(tmp, "home.pcap")] + sorted(glob.glob(os.path.join(spintest.corpus_dir(), "pcap", "**", "*.pcap"), recursive=True))
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
subprocess.run([os.path.join(root, "build", "tools", "pcapgen", "spin-pcapgen"), "discovery", "--out", disc], check=True)
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
