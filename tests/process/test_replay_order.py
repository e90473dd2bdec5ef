#!/usr/bin/env python3
"""Replay in capture-time order (docs/configuration.md, `replay_order`).

A device held to a MUD policy in enforce mode that allows TCP 443 to one
name asks for the name (LAN capture), gets the answer (WAN capture) and
then opens connections to the answered address, with frames of other
devices on both ports around them.  Replayed as the ports are read
(`arrival`), the LAN file's SYNs reach the pipeline before the WAN file's
answer and are dropped; with `--replay-order time` the answer comes first,
is held until its binding is in force, and every SYN passes.  In time order
the agent's output on each port is its input, frame for frame and byte for
byte, in the same order, and the flow records' first / last times are the
capture's."""
import os
import struct

import netns
import spintest as t

DEVICE, ROUTER, OTHER = "02:5e:00:00:00:51", "02:5e:00:00:00:01", "02:5e:00:00:00:52"
DEVICE_IP, RESOLVER, OTHER_IP = "192.168.7.51", "192.168.7.1", "192.168.7.52"
NAME, ADDRESS, ELSEWHERE = "cloud.maker.test", "203.0.113.80", "198.51.100.9"
T0 = 1767225600.0


def ip4(text):
    return bytes(int(x) for x in text.split("."))


exec(netns.INET_CHECKSUM)  # checksum(): the one the namespace tests' raw frames use


def frame(src_mac, dst_mac, src, dst, proto, l4):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return t.mac_bytes(dst_mac) + t.mac_bytes(src_mac) + b"\x08\x00" + hdr + l4


def udp(src_mac, dst_mac, src, sport, dst, dport, payload):
    l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return frame(src_mac, dst_mac, src, dst, 17, l4)


def syn(src_mac, dst_mac, src, sport, dst, dport):
    l4 = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 65535, 0, 0)
    return frame(src_mac, dst_mac, src, dst, 6, l4)


def qname(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns_query(qid, name):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname(name) + struct.pack("!HH", 1, 1)


def dns_answer(qid, name, address, ttl=300):
    return (struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + qname(name) + struct.pack("!HH", 1, 1) +
            struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + ip4(address))


# The LAN capture: the device's query, then (a millisecond after the answer)
# its SYNs; another device's traffic before and after.  The WAN capture: the
# answer, and the other device's replies.
lan_in, wan_in = [], []
lan_in.append((T0 + 0.000, udp(OTHER, ROUTER, OTHER_IP, 40000, ELSEWHERE, 9999, b"early")))
lan_in.append((T0 + 0.010, udp(DEVICE, ROUTER, DEVICE_IP, 40001, RESOLVER, 53, dns_query(0x1234, NAME))))
wan_in.append((T0 + 0.020, udp(ROUTER, DEVICE, RESOLVER, 53, DEVICE_IP, 40001, dns_answer(0x1234, NAME, ADDRESS))))
for i in range(20):
    lan_in.append((T0 + 0.021 + i * 0.001, syn(DEVICE, ROUTER, DEVICE_IP, 50000 + i, ADDRESS, 443)))
    wan_in.append((T0 + 0.0215 + i * 0.001, udp(ROUTER, OTHER, ELSEWHERE, 9999, OTHER_IP, 40000, b"reply%d" % i)))
# Outside the policy: dropped in both orders.
lan_in.append((T0 + 0.100, syn(DEVICE, ROUTER, DEVICE_IP, 50100, ELSEWHERE, 443)))

policy = f"""
blocks:
  - type: device_policy
    mac: "{DEVICE}"
    name: maker policy
    policy:
      mode: enforce
      profile: https://maker.test/thing.json
      entries:
        - {{acl: fr, ace: cloud, action: accept, toward: remote, ip: 4, proto: 6, domain: {NAME},
            remote_port: {{lower: 443, upper: 443}}, opened_by: device}}
        - {{acl: to, ace: cloud, action: accept, toward: device, ip: 4, proto: 6, domain: {NAME},
            remote_port: {{lower: 443, upper: 443}}, opened_by: device}}
network:
  resolvers: [{RESOLVER}]
"""


def write(path, frames):
    t.write_pcap(path, [(int(ts * 1e6), f) for ts, f in frames])


def run(order):
    d = t.workdir(f"replay-order-{order}")
    lan, wan = os.path.join(d, "lan.pcap"), os.path.join(d, "wan.pcap")
    write(lan, lan_in)
    write(wan, wan_in)
    config = t.write_config(os.path.join(d, "agent.yaml"), open(t.REPLAY_YAML).read() + policy)
    records, stats, _ = t.run_agent(lan, wan, d, config=config, extra=["--replay-order", order])
    out_wan = [f for _, f, _ in t.read_pcap(os.path.join(d, "out-wan.pcap"))]
    out_lan = [f for _, f, _ in t.read_pcap(os.path.join(d, "out-lan.pcap"))]
    return records, stats, out_lan, out_wan


def syns_to(frames, address):
    return [f for f in frames if f[23] == 6 and f[30:34] == ip4(address)]


# Arrival order: the SYNs precede the answer and are dropped (what time order
# exists for; if this ever passes, the test no longer shows a difference).
_, _, _, arrival_wan = run("arrival")
assert len(syns_to(arrival_wan, ADDRESS)) < 20, "arrival order let every SYN through: nothing to compare"

records, stats, out_lan, out_wan = run("time")
lan_frames = [f for _, f in lan_in]
want_wan = [f for f in lan_frames if not (f[23] == 6 and f[30:34] == ip4(ELSEWHERE))]
assert out_wan == want_wan, (f"LAN -> WAN: {len(out_wan)} frames out, {len(want_wan)} expected "
                             f"(SYNs to the name: {len(syns_to(out_wan, ADDRESS))} of 20)")
assert out_lan == [f for _, f in wan_in], f"WAN -> LAN: {len(out_lan)} frames out, {len(wan_in)} in"
assert stats.get("answers_held", 0) >= 1, f"the answer was not held: {stats}"
assert stats.get("answers_timed_out", 0) == 0, f"an answer waited out its hold: {stats}"

# Capture times, not replay times, in the records.
flows = [r for r in records if r["remote_port"] == 443 and r["remote_ip"] == ADDRESS]
assert len(flows) == 20, f"{len(flows)} flows to {ADDRESS}:443"
for r in flows:
    i = r["lan_port"] - 50000
    assert abs(r["first"] - (T0 + 0.021 + i * 0.001)) < 2e-6 and r["initiator"] == "lan", r
print(f"PASS: arrival order dropped {20 - len(syns_to(arrival_wan, ADDRESS))} of 20 first SYNs; time order "
      f"forwarded {len(out_wan)} + {len(out_lan)} frames in capture order, held {stats['answers_held']} answer(s)")
