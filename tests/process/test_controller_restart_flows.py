#!/usr/bin/env python3
"""Restart accounting (docs/security.md): a device behind spin-agent (network
namespaces, net_af_packet) keeps three TCP connections and one UDP exchange
going for 14 seconds while the controller is killed with SIGKILL, restarted
on the same store, stopped with SIGTERM and started once more.  The agent
reports each flow's running totals every second.  When the flows are over,
the controller's traffic per remote address, protocol and port must equal,
packet for packet and byte for byte each way, tshark's dissection of what a
sniffer beside the device captured: no restart loses a flow's packets, and
none counts a flow's lifetime twice.  Skips where namespaces cannot be
created."""

import os
import re
import sys
import time

import netns
import spintest

DEVICE_MAC = "02:5e:00:00:00:41"
DEVICE_IP, SERVER_IP = "10.77.0.10", "10.77.0.2"
SECONDS = 14

SNIFFER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
out.flush()
while True:
    f = s.recv(65535)
    t = time.time()
    out.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(f), len(f)) + f)
    out.flush()
"""

SERVER = r"""
import socket, threading
def echo(c):
    while True:
        data = c.recv(4096)
        if not data:
            break
        c.sendall(data)
    c.close()
def tcp():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.77.0.2", 7000))
    s.listen()
    while True:
        threading.Thread(target=echo, args=(s.accept()[0],), daemon=True).start()
threading.Thread(target=tcp, daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("10.77.0.2", 7001))
while True:
    data, peer = u.recvfrom(4096)
    u.sendto(data * 2, peer)
"""

CLIENT = r"""
import socket, sys, time
seconds = float(sys.argv[1])
conns = [socket.create_connection(("10.77.0.2", 7000)) for _ in range(3)]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("10.77.0.2", 7001))
end, n = time.time() + seconds, 0
while time.time() < end:
    for i, c in enumerate(conns):
        c.sendall(bytes([65 + i]) * (100 + 50 * i))
        c.recv(4096)
    u.send(b"u" * (60 + n % 40))
    u.recv(4096)
    n += 1
    time.sleep(0.02)
for c in conns:
    c.shutdown(socket.SHUT_WR)
    c.recv(4096)
    c.close()
print(n)
"""


def agent_config(path):
    """config/agent.yaml with an update of every open flow each second and
    flows ended a second after FIN (UDP after two idle seconds)."""
    text = open(os.path.join(spintest.project_root(), "config", "agent.yaml")).read()
    for key, value in (("update_interval", 1), ("tcp_closed", 1), ("udp", 2)):
        text, n = re.subn(rf"^(\s*{key}:)\s*\d+", rf"\g<1> {value}", text, count=1, flags=re.M)
        assert n == 1, key
    return spintest.write_config(path, text)


def main():
    why = netns.can_create_namespaces()
    if why:
        spintest.skip(why)
    spintest.need_tshark()
    d = spintest.workdir("restart-flows")
    pcap = os.path.join(d, "device.pcap")
    db = os.path.join(d, "spin.db")
    pub, cmd = spintest.free_port(), spintest.free_port()
    agents = [f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"]
    failures = []
    with netns.Topology(d) as topo:
        for ns in (topo.lan, topo.wan):
            netns.run("sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1", ns=ns)
        netns.run("ip", "link", "set", "eth0", "address", DEVICE_MAC, ns=topo.lan)
        netns.run("ip", "addr", "add", f"{DEVICE_IP}/24", "dev", "eth0", ns=topo.lan)
        netns.run("ip", "addr", "add", f"{SERVER_IP}/24", "dev", "eth0", ns=topo.wan)
        topo.start_agent("home", f"tcp://127.0.0.1:{pub}", f"tcp://127.0.0.1:{cmd}",
                         config=agent_config(os.path.join(d, "agent.yaml")))
        topo.start(["python3", "-c", SERVER], ns=topo.wan, log=os.path.join(d, "server.log"))
        topo.start(["python3", "-c", SNIFFER, pcap], ns=topo.lan)
        ctl = spintest.Controller(agents, db=db)
        netns.wait_for("the controller to subscribe", lambda: ctl.get("/agents")["agents"][0]["connected"])
        time.sleep(0.3)  # the sniffer is up before the first frame
        client = topo.start(["python3", "-c", CLIENT, str(SECONDS)], ns=topo.lan,
                            log=os.path.join(d, "client.log"))
        started = time.time()

        def at(second):
            time.sleep(max(0.0, started + second - time.time()))

        at(4)
        ctl.kill()  # kill -9 with flows open: their state is what the store last committed
        print(f"{time.time() - started:.1f} s: controller killed")
        at(6)
        ctl = spintest.Controller(agents, db=db)
        print(f"{time.time() - started:.1f} s: controller restarted")
        at(9)
        rc = ctl.stop()
        if rc != 0:
            failures.append(f"SIGTERM: controller exited {rc}")
        print(f"{time.time() - started:.1f} s: controller stopped with SIGTERM")
        at(10)
        with spintest.Controller(agents, db=db) as ctl:
            print(f"{time.time() - started:.1f} s: controller started again")
            client.wait(timeout=SECONDS + 30)
            rounds = open(os.path.join(d, "client.log")).read().strip()
            if client.returncode != 0:
                raise AssertionError(f"the client failed: {rounds}")

            def differences():
                dest = ctl.get(f"/devices/{DEVICE_MAC}/destinations")["destinations"]
                return spintest.traffic_differences(dest, pcap, DEVICE_MAC)

            # The flows end (FIN, UDP idle) and their last records arrive.
            try:
                netns.wait_for("the controller's totals to reach tshark's", lambda: not differences(), timeout=30,
                               interval=1)
            except AssertionError:
                for key, api, tshark in differences():
                    failures.append(f"{key}: controller {api}, tshark {tshark} (pkts/bytes out, pkts/bytes in)")
            want = spintest.tshark_traffic(pcap, DEVICE_MAC)
            log = ctl.log_text()
    print(log[-1500:])
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    packets = sum(c[0] + c[2] for c in want.values())
    print(f"PASS: {rounds} rounds, {len(want)} destinations, {packets} packets across a kill -9, a SIGTERM and "
          f"three starts: the controller's totals equal tshark's")


if __name__ == "__main__":
    main()
