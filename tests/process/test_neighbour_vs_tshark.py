#!/usr/bin/env python3
"""The slow path's ARP and IPv6 neighbour-discovery parsers read every such
message of the corpus and of the generated home capture as tshark does:
opcode, sender / target MAC and address; ND type, target, link-layer options."""
import subprocess
import sys

import spintest as t

t.need_tshark()
ZERO_MAC = "00:00:00:00:00:00"


def tshark_fields(pcap, filt, fields):
    cmd = ["tshark", "-r", pcap, "-Y", filt, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f",
           "-e", "frame.number", "-e", "_ws.malformed"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        v = line.split("\t")
        if not v[1]:
            rows[int(v[0])] = v[2:]
    return rows


problems, n_arp, n_nd = [], 0, 0
for cap in t.dissection_captures():
    got = t.slowpath_dump(cap)
    for frame, (op, smac, sip, tmac, tip) in tshark_fields(
            cap, "arp and not icmp", ["arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4",
                                      "arp.dst.hw_mac", "arp.dst.proto_ipv4"]).items():
        n_arp += 1
        a = got.get(frame, {}).get("arp")
        want = (int(op), smac, sip, tmac, tip)
        have = a and (a["op"], a["sender_mac"] or ZERO_MAC, a["sender_ip"], a["target_mac"] or ZERO_MAC, a["target_ip"])
        if have != want:
            problems.append(f"{cap} frame {frame}: tshark {want}, spin {got.get(frame)}")
    for frame, (typ, ns_t, na_t, slla, tlla) in tshark_fields(
            cap, "icmpv6.type >= 133 and icmpv6.type <= 137 and not icmpv6.type == 1",
            ["icmpv6.type", "icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address",
             "icmpv6.opt.src_linkaddr", "icmpv6.opt.target_linkaddr"]).items():
        n_nd += 1
        nd = got.get(frame, {}).get("nd")
        target = ns_t or na_t
        want = (int(typ), t.norm_ip(target) if target else None, slla or None, tlla or None)
        have = nd and (nd["type"], nd.get("target") if nd["type"] in (135, 136) else None,
                       nd.get("source_mac"), nd.get("target_mac"))
        if have != want:
            problems.append(f"{cap} frame {frame}: tshark {want}, spin {got.get(frame)}")
if problems:
    print(f"{len(problems)} of {n_arp + n_nd} messages differ:\n  " + "\n  ".join(problems[:20]))
    sys.exit(1)
assert n_arp >= 8, n_arp  # the generated capture alone has 8
print(f"PASS: {n_arp} ARP and {n_nd} neighbour-discovery messages read as tshark reads them")
