"""The slow path's mDNS / DNS-SD names and SSDP announcements against tshark's
dissection of the same frames: the generated home capture and every corpus
capture.  For each mDNS response, the host names (A / AAAA owners, SRV
targets) and service instances (DNS-SD PTR records) must be those tshark
lists; for each SSDP message, the method, SERVER / USER-AGENT, NT / ST, NTS,
USN and LOCATION must be those tshark shows."""

import json
import subprocess
import xml.etree.ElementTree as ET

import spintest

SERVICES_ENUM = "_services._dns-sd._udp.local"


def tshark_json(pcap, filt, fields):
    args = ["tshark", "-r", pcap, "-Y", filt, "-T", "json"]
    for f in fields:
        args += ["-e", f]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    return [p["_source"]["layers"] for p in json.loads(out or "[]")]


def tshark_mdns(pcap):
    """{frame: (host names, services)} of the mDNS responses, from tshark's PDML:
    every record in order (its field export merges repeated values)."""
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "mdns && dns.flags.response == 1", "-T", "pdml"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    result = {}
    for packet in ET.fromstring(out or "<pdml/>").iter("packet"):
        frame, records, owner = None, [], ""
        for f in packet.iter("field"):
            name = f.get("name")
            if name == "num" and frame is None:
                frame = int(f.get("show"))
            elif name == "dns.resp.name":
                owner = f.get("show").lower()
            elif name == "dns.srv.service":
                owner = ""  # tshark splits an SRV owner into service / proto / name fields
            elif name == "dns.resp.type":
                # One type per record: it starts the record, whatever named it.
                records.append({"name": owner, "type": int(f.get("value"), 16), "target": ""})
                owner = ""
            elif name in ("dns.ptr.domain_name", "dns.srv.target") and records:
                records[-1]["target"] = f.get("show").lower()
        hosts, services = set(), []
        for r in records:
            if r["type"] in (1, 28):
                hosts.add(r["name"])
            elif r["type"] == 33 and r["target"]:
                hosts.add(r["target"])
            elif r["type"] == 12 and r["name"].startswith("_") and r["name"] != SERVICES_ENUM:
                s = {"type": r["name"], "instance": r["target"]}
                if s not in services:
                    services.append(s)
        result[frame] = (sorted(hosts), services)
    return result


def clean(value):
    # tshark shows a header line with its line end, spelt as the text \\r\\n.
    return value.replace("\\r\\n", "").replace("\\n", "").replace("\r", "").replace("\n", "").strip()


def header(layers, name):
    # Request headers are all in http.request.line; other messages list
    # the headers tshark has no field for in http.unknown_header.
    lines = (layers.get("http.request.line", []) + layers.get("http.response.line", [])
             + layers.get("http.unknown_header", []))
    for h in lines:
        key, _, value = clean(h).partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return ""


def expected_ssdp(layers):
    method = (layers.get("http.request.method") or [""])[0].lower()
    if not method and (layers.get("http.response.code") or [""])[0] == "200":
        method = "response"
    server = (layers.get("http.server") or [""])[0] or (layers.get("http.user_agent") or [""])[0]
    return {"method": method, "server": clean(server), "type": header(layers, "nt") or header(layers, "st"),
            "nts": header(layers, "nts"), "usn": header(layers, "usn"),
            "location": clean((layers.get("http.location") or [""])[0])}


def plain(text):
    return all(0x20 <= ord(c) < 0x7f for c in text)


def main():
    spintest.need_tshark()
    mdns_checked = ssdp_checked = skipped = 0
    problems = []
    for pcap in spintest.dissection_captures():
        ours = None
        mdns = tshark_mdns(pcap)
        ssdp = tshark_json(pcap, "ssdp", ["frame.number", "http.request.method", "http.response.code", "http.server",
                                          "http.user_agent", "http.location", "http.unknown_header",
                                          "http.request.line", "http.response.line"])
        if not mdns and not ssdp:
            continue
        ours = spintest.slowpath_dump(pcap)
        for frame, (hosts, services) in sorted(mdns.items()):
            texts = hosts + [s["instance"] for s in services] + [s["type"] for s in services]
            if not all(plain(t) and "\\" not in t for t in texts):
                skipped += 1  # escaped label bytes are spelt differently by design (\DDD)
                continue
            got = ours.get(frame, {})
            if "mdns" not in got:
                problems.append(f"{pcap} frame {frame}: tshark reads an mDNS response, "
                                f"we: {got.get('error', 'nothing')}")
                continue
            if got["mdns"]["hostnames"] != hosts or got["mdns"]["services"] != services:
                problems.append(f"{pcap} frame {frame}: mDNS names differ:\n  tshark {hosts} {services}\n  ours   "
                                f"{got['mdns']['hostnames']} {got['mdns']['services']}")
            mdns_checked += 1
        for layers in ssdp:
            frame = int(layers["frame.number"][0])
            want = expected_ssdp(layers)
            if not want["method"]:
                continue  # other HTTP-over-UDP tshark calls SSDP (error responses): not announcements
            got = ours.get(frame, {})
            if "ssdp" not in got:
                problems.append(f"{pcap} frame {frame}: tshark reads SSDP {want['method']}, "
                                f"we: {got.get('error', 'nothing')}")
                continue
            if got["ssdp"] != want:
                problems.append(f"{pcap} frame {frame}: SSDP differs:\n  tshark {want}\n  ours   {got['ssdp']}")
            ssdp_checked += 1
    print(f"mDNS responses checked: {mdns_checked} ({skipped} with escaped names skipped); "
          f"SSDP messages: {ssdp_checked}")
    if problems:
        raise AssertionError(f"{len(problems)} difference(s):\n" + "\n".join(problems[:20]))
    if mdns_checked == 0 and ssdp_checked == 0:
        print("note: no mDNS or SSDP in the captures available here (corpus absent?)")
    print("ok")


if __name__ == "__main__":
    main()
