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
