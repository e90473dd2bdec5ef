#!/usr/bin/env python3
"""The slow path's DHCPv6 and LLDP parsers read what tshark reads: DHCPv6
message type, transaction, client DUID, FQDN, MUD URL (option 112) and
assigned addresses, through relay messages; LLDP system name and the MUD URL
TLV.  The corpus has no DHCPv6 or LLDP, so the generated discovery capture
carries them (every capture is still scanned)."""
import os
import subprocess
import sys

import spintest as t

t.need_tshark()
d = t.workdir("discovery")
disc = os.path.join(d, "discovery.pcap")
subprocess.run([t.PCAPGEN, "discovery", "--out", disc], check=True)
captures = [disc] + t.dissection_captures()


def tshark_rows(pcap):
    cmd = ["tshark", "-r", pcap, "-Y", "(dhcpv6 or lldp) and not icmpv6", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in ("frame.number", "_ws.malformed", "dhcpv6.msgtype", "dhcpv6.xid", "dhcpv6.duid.bytes",
              "dhcpv6.client_domain", "dhcpv6.mudurl", "dhcpv6.iaaddr.ip", "lldp.tlv.system.name", "lldp.iana.mudurl"):
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        v = line.split("\t")
        if v[1]:
            continue
        frame = int(v[0])
        if v[2]:
            types = v[2].split(",")
            rows[frame] = ("dhcpv6", int(types[-1]), int(v[3].split(",")[-1], 16), v[4].split(",")[0],
                           v[5].split(",")[0].rstrip("."), v[6].split(",")[0],
                           sorted(t.norm_ip(a) for a in v[7].split(",") if a))
        else:
            rows[frame] = ("lldp", v[8], v[9])
    return rows


def ours(pcap):
    rows = {}
    for j in t.slowpath_dump(pcap).values():
        if "dhcpv6" in j:
            m = j["dhcpv6"]
            rows[j["frame"]] = ("dhcpv6", m["type"], m["transaction"], m["client_duid"], m["fqdn"], m["mud_url"],
                                sorted(m["addresses"]))
        elif "lldp" in j:
            rows[j["frame"]] = ("lldp", j["lldp"]["system_name"], j["lldp"]["mud_url"])
        elif "error" in j:
            rows[j["frame"]] = j["error"]
    return rows


problems, checked = [], 0
for cap in captures:
    want, got = tshark_rows(cap), ours(cap)
    for frame, w in want.items():
        checked += 1
        if got.get(frame) != w:
            problems.append(f"{cap} frame {frame}:\n    tshark {w}\n    spin   {got.get(frame)}")
if problems:
    print(f"{len(problems)} of {checked} messages differ:\n  " + "\n  ".join(problems[:20]))
    sys.exit(1)
assert checked >= 6, checked
print(f"PASS: {checked} DHCPv6 / LLDP messages read as tshark reads them, MUD URLs included")
