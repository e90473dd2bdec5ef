#!/usr/bin/env python3
"""A quarantined device's frames do not leave the agent, are counted as
blocked per rule, and show in its flow records; everyone else's pass."""
import os
import subprocess

import spintest as t

t.need_tshark()
d = t.workdir("quarantine")
subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
camera = "02:53:50:49:4e:12"
cam = t.mac_bytes(camera)
config = t.write_config(os.path.join(d, "q.yaml"), open(t.REPLAY_YAML).read() + f"""
blocks:
  - type: quarantine
    mac: "{camera}"
    name: camera quarantine
""")
lan, wan = os.path.join(d, "home-lan.pcap"), os.path.join(d, "home-wan.pcap")
records, stats, stderr = t.run_agent(lan, wan, d, config=config)

lan_in = [f for _, f, _ in t.read_pcap(lan)]
wan_in = [f for _, f, _ in t.read_pcap(wan)]
out_wan = [f for _, f, _ in t.read_pcap(os.path.join(d, "out-wan.pcap"))]
out_lan = [f for _, f, _ in t.read_pcap(os.path.join(d, "out-lan.pcap"))]

# Oracle: the camera's frames are those it sent (source MAC) or that were sent
# to it (destination MAC); nothing else may be dropped.
want_wan = [f for f in lan_in if f[6:12] != cam]
want_lan = [f for f in wan_in if f[0:6] != cam]
camera_frames = (len(lan_in) - len(want_wan)) + (len(wan_in) - len(want_lan))
assert camera_frames > 40, camera_frames
assert out_wan == want_wan, f"LAN -> WAN: {len(out_wan)} frames out, {len(want_wan)} expected"
assert out_lan == want_lan, f"WAN -> LAN: {len(out_lan)} frames out, {len(want_lan)} expected"
assert stats["blocked_pkts"] == camera_frames, (stats["blocked_pkts"], camera_frames)
assert f"rule 1 'camera quarantine': dropped {camera_frames} packets" in stderr, stderr

cam_flows = [r for r in records if r["mac"] == camera]
assert cam_flows, "no flow records for the camera"
for r in cam_flows:
    assert r["blocked_pkts"] == r["pkts_out"] + r["pkts_in"], r
    assert r["rule"] == "camera quarantine", r
others = [r for r in records if r["mac"] != camera]
assert others and all(r["blocked_pkts"] == 0 for r in others), others
print(f"PASS: {camera_frames} camera frames blocked and counted, {len(want_wan) + len(want_lan)} others forwarded")
