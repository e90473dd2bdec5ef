#!/usr/bin/env python3
"""Random, truncated and malformed frames go through without a crash, are
forwarded unchanged (fail-open) and are counted."""
import os
import subprocess

import spintest as t

d = t.workdir("garbage")
lan, wan = os.path.join(d, "lan.pcap"), os.path.join(d, "wan.pcap")
subprocess.run([t.PCAPGEN, "garbage", "--count", "20000", "--seed", "7", "--out", lan], check=True)
subprocess.run([t.PCAPGEN, "garbage", "--count", "20000", "--seed", "8", "--out", wan], check=True)
records, stats, _ = t.run_agent(lan, wan, d)
n = t.check_forwarded(lan, os.path.join(d, "out-wan.pcap"), "LAN -> WAN")
n += t.check_forwarded(wan, os.path.join(d, "out-lan.pcap"), "WAN -> LAN")
assert n == 40000, n
assert stats["lan_rx_pkts"] + stats["wan_rx_pkts"] == 40000, stats
assert stats["truncated"] > 1000 and stats["malformed"] > 100, stats
assert stats["blocked_pkts"] == 0 and stats["lan_tx_failed"] == 0, stats
print(f"PASS: {n} hostile frames forwarded unchanged; truncated {stats['truncated']}, "
      f"malformed {stats['malformed']}, non-IP {stats['non_ip']}, flows {len(records)}")

# Frames longer than a port sends whole (net_pcap writes at most 16,128 bytes
# of a frame of several segments; loopback captures hold 20,338-byte frames)
# are dropped and counted, never cut; the longest that fits passes byte for byte.
big = os.path.join(d, "big")
os.makedirs(big)
head = bytes.fromhex("025350494e21025350494efe0800")
sizes = (16128, 16129, 20338)
frames = [(1767225600000000 + i * 1000, head + bytes([0x45]) + bytes(n - 15)) for i, n in enumerate(sizes)]
t.write_pcap(os.path.join(big, "lan.pcap"), frames)
t.write_pcap(os.path.join(big, "wan.pcap"), [])
_, stats, _ = t.run_agent(os.path.join(big, "lan.pcap"), os.path.join(big, "wan.pcap"), big)
out = [(f, orig) for _, f, orig in t.read_pcap(os.path.join(big, "out-wan.pcap"))]
assert out == [(frames[0][1], 16128)], [(len(f), o) for f, o in out]
assert stats["oversize"] == 2, stats
print("PASS: frames beyond what the port sends whole (16,129 and 20,338 bytes) dropped and counted, "
      "16,128 forwarded whole")
