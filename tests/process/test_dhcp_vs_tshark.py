#!/usr/bin/env python3
"""The slow path's DHCPv4 parser reads every DHCP message of the corpus and of
the generated home capture as tshark does: message type, client MAC, hostname,
vendor class, parameter request list, MUD URL, addresses, lease time."""
import os
import subprocess
import sys

import spintest as t

t.need_tshark()
root = os.path.join(t.corpus_dir(), "pcap")
captures = t.dissection_captures()

FIELDS = [("message_type", "dhcp.option.dhcp"), ("client_mac", "dhcp.hw.mac_addr"),
          ("hostname", "dhcp.option.hostname"), ("vendor_class", "dhcp.option.vendor_class_id"),
          ("fingerprint", "dhcp.option.request_list_item"), ("mud_url", "dhcp.option.mudurl"),
          ("yiaddr", "dhcp.ip.your"), ("requested_ip", "dhcp.option.requested_ip_address"),
          ("server_id", "dhcp.option.dhcp_server_id"), ("lease_seconds", "dhcp.option.ip_address_lease_time")]


def tshark_dhcp(pcap):
    cmd = ["tshark", "-r", pcap, "-Y", "dhcp and not icmp", "-T", "fields", "-E", "separator=\t",
           "-E", "aggregator=,", "-E", "occurrence=a", "-e", "frame.number", "-e", "_ws.malformed"]
    for _, f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    frames = {}
    for line in out.splitlines():
        v = line.split("\t")
        if v[1]:
            continue  # tshark found it malformed: compared in the fuzz and unit tests instead
        rec = {}
        for (name, _), value in zip(FIELDS, v[2:]):
            # A field can occur twice (option 61 repeats the client MAC); the
            # request list is the one list-valued field.
            rec[name] = value if name == "fingerprint" else value.split(",")[0]
        rec["message_type"] = int(rec["message_type"] or 0)
        rec["lease_seconds"] = int(rec["lease_seconds"]) if rec["lease_seconds"] else None
        frames[int(v[0])] = rec
    return frames


def ours(pcap):
    frames = {}
    for j in t.slowpath_dump(pcap).values():
        if "dhcp" in j:
            m = j["dhcp"]
            frames[j["frame"]] = {name: m.get(name, "" if name != "lease_seconds" else None) for name, _ in FIELDS}
        elif "error" in j and "dns" not in j:
            frames[j["frame"]] = j["error"]
    return frames


problems, checked, with_name = [], 0, 0
for cap in captures:
    want, got = tshark_dhcp(cap), ours(cap)
    for frame, w in want.items():
        checked += 1
        g = got.get(frame)
        if g != w:
            problems.append(f"{os.path.relpath(cap, os.path.dirname(root)) if root in cap else cap} frame {frame}:\n"
                            f"    tshark {w}\n    spin   {g}")
        elif w["hostname"] or w["vendor_class"] or w["mud_url"]:
            with_name += 1
if problems:
    print(f"{len(problems)} of {checked} DHCP messages differ:\n  " + "\n  ".join(problems[:20]))
    sys.exit(1)
assert checked >= 16, checked  # the generated capture alone has 16
print(f"PASS: {checked} DHCP messages in {len(captures)} captures read as tshark reads them "
      f"({with_name} with a hostname, vendor class or MUD URL)")
