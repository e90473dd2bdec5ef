#!/usr/bin/env python3
"""Bridge replay of every real capture in ../shared/corpus/pcap: each is split
into LAN and WAN inputs by its device MAC, and the agent must forward both
directions byte for byte and report every TCP / UDP conversation tshark finds,
with tshark's frame and byte totals."""
import glob
import os
import sys

import spintest as t

t.need_tshark()
root = os.path.join(t.corpus_dir(), "pcap")
if not os.path.isdir(root):
    t.skip(f"corpus not found at {root} (it lives in ../shared/corpus beside the project)")

captures = sorted(glob.glob(os.path.join(root, "**", "*.pcap*"), recursive=True))
only = sys.argv[1:]  # optional substrings to select captures
if only:
    captures = [c for c in captures if any(o in c for o in only)]
failures, total_convs, total_frames = [], 0, 0
for cap in captures:
    name = os.path.relpath(cap, root)
    d = t.workdir("corpus")
    src = os.path.join(d, "input.pcap")
    t.to_classic_pcap(cap, src)
    frames = t.read_pcap(src)
    mac_file = os.path.join(os.path.dirname(cap), "_iotdevice-mac.txt")
    if os.path.exists(mac_file):
        macs = [open(mac_file).read().strip()]
    else:
        # No device named: the sender of the first frame plays the LAN device.
        macs = [":".join(f"{b:02x}" for b in frames[0][1][6:12])] if frames else []
    lan, wan = os.path.join(d, "lan.pcap"), os.path.join(d, "wan.pcap")
    t.split_by_mac(src, lan, wan, macs)
    try:
        records, stats, _ = t.run_agent(lan, wan, d)
        n = t.check_forwarded(lan, os.path.join(d, "out-wan.pcap"), f"{name} LAN -> WAN")
        n += t.check_forwarded(wan, os.path.join(d, "out-lan.pcap"), f"{name} WAN -> LAN")
        convs = t.check_conversations(src, records)
        total_convs += convs
        total_frames += n
        print(f"ok   {name}: {n} frames, {convs} conversations, device {macs[0] if macs else '-'}")
    except AssertionError as e:
        failures.append(f"{name}: {e}")
        print(f"FAIL {name}: {e}")
if failures:
    print(f"{len(failures)} of {len(captures)} captures failed")
    sys.exit(1)
print(f"PASS: {len(captures)} captures, {total_frames} frames, {total_convs} conversations match tshark")
