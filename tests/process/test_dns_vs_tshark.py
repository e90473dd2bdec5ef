#!/usr/bin/env python3
"""The slow path's DNS parser reads every DNS and mDNS message over UDP in the
corpus (and the generated home capture) as tshark does: same questions, same
answer-section records (name, type, TTL, address or CNAME target)."""
import json
import os
import subprocess
import sys

import spintest as t

t.need_tshark()
root = os.path.join(t.corpus_dir(), "pcap")
captures = t.dissection_captures()


def pairs(items):
    return items  # keep duplicate keys: two identical questions are two entries


def entries(section):
    return [v for _, v in section] if isinstance(section, list) else []


def tshark_dns(pcap):
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "(dns or mdns) and udp and not icmp and not icmpv6",
                          "-T", "json", "-J", "frame dns mdns"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    frames = {}
    for pkt in json.loads(out or "[]", object_pairs_hook=pairs):
        layers = dict(dict(pkt)["_source"])["layers"]
        layers = dict(layers)
        frame = int(dict(layers["frame"])["frame.number"])
        dns = layers.get("dns") or layers.get("mdns")
        if dns is None or isinstance(dns, str):
            continue
        dns = list(dns)
        get = lambda k: next((v for kk, v in dns if kk == k), None)
        qs = [(dict(q)["dns.qry.name"].lower(), int(dict(q)["dns.qry.type"]))
              for q in entries(get("Queries"))]
        ans = []
        odd = False
        for a in entries(get("Answers")):
            a = dict(a)
            if "dns.resp.name" not in a:
                odd = True  # tshark could not read this record either
                continue
            typ = int(a["dns.resp.type"])
            rec = (a["dns.resp.name"].lower(), typ, int(a["dns.resp.ttl"]))
            if typ == 1:
                rec += (a.get("dns.a"),)
            elif typ == 28:
                rec += (t.norm_ip(a.get("dns.aaaa")),)
            elif typ == 5:
                rec += (a.get("dns.cname", "").lower(),)
            ans.append(rec)
        if not odd:
            frames[frame] = (qs, ans)
    return frames


def ours(dump):
    frames = {}
    for frame, j in dump.items():
        if "dns" not in j:
            frames[frame] = j.get("error")
            continue
        m = j["dns"]
        qs = [(q["name"], q["type"]) for q in m["questions"]]
        ans = []
        for a in m["answers"]:
            rec = (a["name"], a["type"], a["ttl"])
            if a["type"] in (1, 28):
                rec += (a["addr"],)
            elif a["type"] == 5:
                rec += (a["cname"],)
            ans.append(rec)
        frames[frame] = (qs, ans)
    return frames


def with_bindings(dump):
    """Responses, over UDP or TCP, that taught at least one name -> address binding."""
    return sum(1 for j in dump.values()
               for m in ([j["dns"]] if "dns" in j else j.get("messages", []))
               if m["bindings"])


problems, messages, bindings = [], 0, 0
for cap in captures:
    dump = t.slowpath_dump(cap)
    want, got = tshark_dns(cap), ours(dump)
    for frame, w in want.items():
        if any("\\" in n for n, *_ in w[0] + w[1]):
            continue  # names with odd bytes: tshark and we escape them differently
        g = got.get(frame)
        messages += 1
        if g != w:
            problems.append(f"{os.path.basename(os.path.dirname(cap))}/{os.path.basename(cap)} frame {frame}:\n"
                            f"    tshark {w}\n    spin   {g}")
    bindings += with_bindings(dump)
if problems:
    print(f"{len(problems)} of {messages} DNS messages differ:\n  " + "\n  ".join(problems[:30]))
    sys.exit(1)
print(f"PASS: {messages} DNS / mDNS messages in {len(captures)} captures read as tshark reads them; "
      f"{bindings} responses gave name -> address bindings")
