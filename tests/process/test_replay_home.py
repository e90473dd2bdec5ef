#!/usr/bin/env python3
"""Bridge replay of the generated home capture: byte-for-byte forwarding in
both directions and tshark's conversations in the flow log."""
import os
import subprocess

import spintest as t

t.need_tshark()
d = t.workdir("home")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
lan, wan = os.path.join(d, "home-lan.pcap"), os.path.join(d, "home-wan.pcap")
records, stats, _ = t.run_agent(lan, wan, d)
n_wan = t.check_forwarded(lan, os.path.join(d, "out-wan.pcap"), "LAN -> WAN")
n_lan = t.check_forwarded(wan, os.path.join(d, "out-lan.pcap"), "WAN -> LAN")
convs = t.check_conversations(os.path.join(d, "home.pcap"), records)

# What tshark cannot tell us but the capture's author knows.
by_port = {(r["proto"], r["lan_port"], r["remote_port"]): r for r in records}
syn_in = by_port[(6, 8080, 61000)]
assert syn_in["initiator"] == "remote", syn_in
assert syn_in["end_reason"] == "rst" or syn_in["end_reason"] == "exit", syn_in
web = by_port[(6, 50001, 443)]
assert web["initiator"] == "lan" and web["tcp_flags"] == "SAFP", web
assert web["mac"] == "02:53:50:49:4e:11", web
icmp = [r for r in records if r["proto"] == 1]
assert icmp and icmp[0]["icmp_type"] in (0, 8) and icmp[0]["pkts_out"] == 3, icmp
icmp6 = [r for r in records if r["proto"] == 58]
assert icmp6 and icmp6[0]["pkts_in"] == 3, icmp6
vlans = {r["vlan"] for r in records}
assert {0, 10, 100} <= vlans, vlans
assert stats["non_ip"] > 0 and stats["malformed"] == 0 and stats["truncated"] == 0, stats
print(f"PASS: {n_wan} + {n_lan} frames forwarded byte for byte, {convs} conversations match tshark")
