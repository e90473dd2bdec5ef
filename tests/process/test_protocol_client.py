#!/usr/bin/env python3
"""docs/protocol.md is enough to write a client in another language: the
Python client printed there (with the page's batch decoder), run as printed
with pyzmq, follows an agent's digests and events through a replay and has
its orders answered.  The replay holds a frame of every protocol the agent
learns from (the home and discovery captures, and an mDNS answer, an SSDP
notify, a DHCP discover in another device's name and three Mirai scan SYNs
built here by hand), so the client reads every kind of event, and
each must carry exactly the fields the page's table of events documents.
It runs under the system Python, which has Debian's python3-zmq; skipped
where that module is absent."""
import json
import os
import re
import struct
import subprocess

import spintest as t

SYSTEM_PYTHON = "/usr/bin/python3"

if subprocess.run([SYSTEM_PYTHON, "-c", "import zmq"], stderr=subprocess.DEVNULL).returncode != 0:
    t.skip("the system Python has no zmq module (tools/install-deps installs python3-zmq)")

doc = open(os.path.join(t.project_root(), "docs", "protocol.md")).read()
blocks = re.findall(r"```python\n(.*?)```", doc, re.S)
decoder = next(b for b in blocks if "def decode(" in b)
client = next(b for b in blocks if "def run_client(" in b)

DEVICE = bytes.fromhex("025350494e21")


def udp_frame(dst_mac, dst_ip, port, payload, sport=None, src_ip=(10, 0, 0, 33)):
    """An IPv4 UDP frame from DEVICE at 10.0.0.33, written from RFC 791 / 768 (checksums left 0)."""
    udp = struct.pack("!HHHH", port if sport is None else sport, port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 255, 17, 0, bytes(src_ip), bytes(dst_ip))
    return dst_mac + DEVICE + b"\x08\x00" + ip + udp


def dhcp_in_another_name():
    """A DHCP discover (RFC 2131) that DEVICE sends with another device's hardware address."""
    other = bytes.fromhex("025350494e99")
    bootp = struct.pack("!BBBBIHH16s16s64s128s", 1, 1, 6, 0, 0x5350, 0, 0x8000, bytes(16),
                        other + bytes(10), bytes(64), bytes(128))
    return udp_frame(b"\xff" * 6, [255, 255, 255, 255], 67, bootp + bytes([99, 130, 83, 99, 53, 1, 1, 255]),
                     sport=68, src_ip=(0, 0, 0, 0))


def mirai_syns():
    """Three TCP SYNs (RFC 9293) from DEVICE to port 23 whose sequence number is their destination: the reflex's
    signature (docs/detection.md)."""
    frames = []
    for last in (7, 8, 9):
        dst = bytes([198, 18, 0, last])
        tcp = struct.pack("!HHIIBBHHH", 40000, 23, int.from_bytes(dst, "big"), 0, 5 << 4, 0x02, 1024, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, bytes([10, 0, 0, 33]), dst)
        frames.append(bytes.fromhex("025350494efe") + DEVICE + b"\x08\x00" + ip + tcp)
    return frames


def mdns_answer():
    """An mDNS response (RFC 6762): hall-cam.local has address 10.0.0.33."""
    name = b"".join(bytes([len(label)]) + label for label in (b"hall-cam", b"local")) + b"\x00"
    answer = name + struct.pack("!HHIH", 1, 0x8001, 120, 4) + bytes([10, 0, 0, 33])
    return udp_frame(bytes.fromhex("01005e0000fb"), [224, 0, 0, 251], 5353,
                     struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0) + answer)


def ssdp_notify():
    text = ("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
            "USN: uuid:hall-cam::upnp:rootdevice\r\nLOCATION: http://10.0.0.33/desc.xml\r\n"
            "SERVER: Linux/5.4 UPnP/1.0 HallCam/2.1\r\n\r\n")
    return udp_frame(bytes.fromhex("01005e7ffffa"), [239, 255, 255, 250], 1900, text.encode())


def documented_fields():
    """{event type: (fields, optional fields)} from the table of docs/protocol.md, "Events"."""
    section = doc[doc.index("## Events"):doc.index("## Orders")]
    out = {}
    for row in re.findall(r"^\| `(\w+)` \| [^|]* \| [^|]* \| (.*) \|$", section, re.M):
        text = row[1]
        while re.search(r"\([^()]*\)", text):
            text = re.sub(r"\([^()]*\)", "", text)
        required, _, optional = text.partition("optional")
        out[row[0]] = (set(re.findall(r"`(\w+)`", required)), set(re.findall(r"`(\w+)`", optional)))
    return out


d = t.workdir("doc-client")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
subprocess.run([t.PCAPGEN, "discovery", "--out", f"{d}/discovery.pcap"], check=True, stdout=subprocess.DEVNULL)
lan = [(ts, frame) for ts, frame, _ in t.read_pcap(f"{d}/home-lan.pcap")]
later = lan[-1][0] + 1_000_000
extra = [frame for _, frame, _ in t.read_pcap(f"{d}/discovery.pcap")] + [mdns_answer(), ssdp_notify(),
                                                                        dhcp_in_another_name(), *mirai_syns()]
t.write_pcap(f"{d}/lan.pcap", lan + [(later + i * 1000, frame) for i, frame in enumerate(extra)])
stream, commands = (f"tcp://127.0.0.1:{t.free_port()}" for _ in range(2))
script = os.path.join(d, "client.py")
with open(script, "w") as f:
    f.write(decoder + "\n" + client + "\n" + "import sys\n"
            "ends, events, answers = run_client(sys.argv[1], sys.argv[2])\n"
            "print(json.dumps({'ends': len(ends), 'macs': sorted({r['mac'] for r in ends}),\n"
            "                  'events': events, 'answers': answers}))\n")
config = t.write_config(os.path.join(d, "agent.yaml"), open(t.REPLAY_YAML).read() +
                        "reflex:\n  mirai: {mode: alert, threshold: 3}\n")
agent = subprocess.Popen([t.AGENT, "--config", config,
                          "--lan", f"net_pcap0,rx_pcap={d}/lan.pcap,tx_pcap={d}/o-lan.pcap",
                          "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={d}/o-wan.pcap",
                          "--exit-on-eof", "--flow-log", f"{d}/flows.jsonl", "--publish", stream,
                          "--commands", commands, "--wait-subscribers", "1", "--agent-id", "doc"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
client_run = subprocess.run([SYSTEM_PYTHON, script, stream, commands], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, timeout=60)
_, agent_err = agent.communicate(timeout=60)
assert agent.returncode == 0, agent_err[-3000:]
assert client_run.returncode == 0, client_run.stderr[-3000:]
out = json.loads(client_run.stdout)
flows = [json.loads(x) for x in open(f"{d}/flows.jsonl")]
assert out["ends"] == len(flows), f"client decoded {out['ends']} end records, the flow log has {len(flows)}"
# The wire has six zero bytes where the JSON form has "" (no LAN device).
assert [m if m != "00:00:00:00:00:00" else "" for m in out["macs"]] == sorted({f["mac"] for f in flows}), out["macs"]
types = {e["type"] for e in out["events"]}
documented = documented_fields()
assert set(documented) == {"dhcp", "dhcp_mismatch", "dhcpv6", "dns", "neighbour", "mdns", "ssdp", "lldp", "hello",
                           "rules", "goodbye", "stats", "alert"}, f"the table of events lists {sorted(documented)}"
assert types == set(documented), f"events seen: {sorted(types)}, documented: {sorted(documented)}"
assert all(e["agent"] == "doc" for e in out["events"])
common = {"agent", "boot", "seq", "type", "time"}
for e in out["events"]:
    required, optional = documented[e["type"]]
    if e["type"] not in ("hello", "rules", "goodbye", "stats"):
        required = required | {"mac", "side"}
    missing, extra_fields = (common | required) - set(e), set(e) - common - required - optional
    assert not missing and not extra_fields, \
        f"{e['type']} event: missing {sorted(missing)}, undocumented {sorted(extra_fields)}: {e}"
seqs = [e["seq"] for e in out["events"]]
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"event sequence numbers with gaps: {seqs}"
assert [a["ok"] for a in out["answers"]] == [True, True], out["answers"]
assert [a["changed"] for a in out["answers"]] == [True, True], out["answers"]
# Each order changed the tables (what the replay teaches, DNS answers and the
# home's services, may change them in between too).
assert out["answers"][1]["version"] > out["answers"][0]["version"], out["answers"]
print(f"PASS: the documented client decoded {out['ends']} end records and {len(out['events'])} events "
      f"of every documented kind ({', '.join(sorted(types))}), each with exactly its documented fields; "
      f"both orders answered")
