"""End to end in network namespaces: a device behind spin-agent (bridge mode on
net_af_packet over veth pairs) gets a lease from dnsmasq, resolves a name and
fetches a page.  Checks, against what the device and the servers did:
  - the fetch succeeds through the agent;
  - the event stream shows the DHCP lease (hostname, vendor class, parameter
    list, MUD URL option 161, address), the DNS answer (name -> address), the
    ARP and ND bindings;
  - the digest stream shows the HTTP flow, initiated from the LAN;
  - a quarantine order is in force within 10 ms of its acknowledgement (a UDP
    stream in flight stops), the next fetch fails, and unblock restores it;
  - a DNS-name rule blocks the address the device resolves afterwards;
  - an allow-list of names lets through only what the device resolved for them;
  - killing the stream's subscriber mid-stream does not stop forwarding, and a
    new subscriber is greeted with the rules version in force.
Skips where namespaces cannot be created."""

import json
import os
import subprocess
import sys
import time

import netns
import spintest

DEVICE_MAC = "02:5e:00:00:00:21"
HOSTNAME = "spin-thermo"
VENDOR = "SpinTest Thermostat 1.0"
MUD_URL = "https://mud.spin.test/thermostat.json"
DNS_IP, WEB_IP, OTHER_IP = "10.77.0.1", "10.77.0.2", "10.77.0.3"

RECEIVER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.3", 9999))
out = open(sys.argv[1], "w")
while True:
    data = s.recv(100)
    out.write(data.decode() + "\n")
    out.flush()
"""
SENDER = r"""
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    s.sendto(repr(time.time()).encode(), ("10.77.0.3", 9999))
    time.sleep(0.001)
"""


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def spinctl(*args, check=True):
    p = subprocess.run([spintest.SPINCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    if check and p.returncode != 0:
        raise AssertionError(f"spinctl {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return json.loads(p.stdout) if p.stdout.strip() else None


def fetch(topo, url, timeout=3):
    return netns.run("curl", "-s", "-m", str(timeout), url, ns=topo.lan, check=False)


def main():
    why = netns.can_create_namespaces()
    if why:
        spintest.skip(why)
    d = spintest.workdir("e2e")
    with netns.Topology(d) as topo:
        # --- the WAN side: DNS + DHCP (dnsmasq), a web server, a UDP receiver
        for ip in (DNS_IP, WEB_IP, OTHER_IP):
            netns.run("ip", "addr", "add", f"{ip}/24", "dev", "eth0", ns=topo.wan)
        netns.run("ip", "-6", "addr", "add", "fd77::1/64", "dev", "eth0", "nodad", ns=topo.wan)
        www = os.path.join(d, "www")
        os.makedirs(www)
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("hello from behind spin\n")
        topo.start(["dnsmasq", "-k", "--conf-file=/dev/null", "--user=root", "--interface=eth0", "--bind-interfaces",
                    "--listen-address", DNS_IP, "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h",
                    "--dhcp-authoritative", f"--dhcp-option=option:router,{DNS_IP}",
                    f"--dhcp-option=option:dns-server,{DNS_IP}", "--no-resolv", "--no-hosts",
                    f"--address=/web.spin.test/{WEB_IP}", f"--address=/other.test/{OTHER_IP}",
                    f"--dhcp-leasefile={d}/leases", f"--pid-file={d}/dnsmasq.pid", "--log-queries", "--log-dhcp"],
                   ns=topo.wan, log=os.path.join(d, "dnsmasq.log"))
        topo.start([sys.executable, "-m", "http.server", "8080", "--bind", WEB_IP, "--directory", www],
                   ns=topo.wan, log=os.path.join(d, "http.log"))
        topo.start([sys.executable, "-m", "http.server", "8080", "--bind", OTHER_IP, "--directory", www],
                   ns=topo.wan, log=os.path.join(d, "http-other.log"))
        received = os.path.join(d, "received.txt")
        topo.start([sys.executable, "-c", RECEIVER, received], ns=topo.wan)

        # --- the agent, with config/agent.yaml as shipped
        pub, cmd = f"tcp://127.0.0.1:{spintest.free_port()}", f"tcp://127.0.0.1:{spintest.free_port()}"
        events_log, flow_log = os.path.join(d, "events.jsonl"), os.path.join(d, "flows.jsonl")
        agent = topo.start_agent("e2e", pub, cmd, "--event-log", events_log, "--flow-log", flow_log)
        # --- the controller, on loopback, with the agent's endpoints
        ctl = spintest.Controller([f"e2e={pub},{cmd}"])
        topo.procs.append(ctl.proc)
        digests_out = os.path.join(d, "digests.jsonl")
        topo.start([spintest.SPINCTL, "digests", "--connect", pub], log=digests_out)
        events_out = os.path.join(d, "events-stream.jsonl")
        subscriber = topo.start([spintest.SPINCTL, "events", "--connect", pub], log=events_out)
        netns.wait_for("the subscriber's hello",
                       lambda: any(e.get("reason") == "subscriber" for e in read_jsonl(events_out)))

        # --- the device: DHCP with hostname, vendor class and MUD URL
        netns.run("ip", "link", "set", "eth0", "address", DEVICE_MAC, ns=topo.lan)
        netns.run("ip", "-6", "addr", "add", "fd77::2/64", "dev", "eth0", "nodad", ns=topo.lan)
        conf = os.path.join(d, "dhclient.conf")
        with open(conf, "w") as f:
            f.write(f'send host-name "{HOSTNAME}";\n'
                    f'send vendor-class-identifier "{VENDOR}";\n'
                    'option mud-url code 161 = text;\n'
                    f'send mud-url "{MUD_URL}";\n'
                    'request subnet-mask, routers, domain-name-servers, domain-name;\n')
        device_ip = topo.lease("-cf", conf)
        print(f"device {DEVICE_MAC} leased {device_ip}")

        # --- resolve and fetch through the agent; ND by IPv6 ping
        page = fetch(topo, "http://web.spin.test:8080/")
        assert page.returncode == 0 and "hello from behind spin" in page.stdout, \
            f"fetch failed: rc {page.returncode} {page.stderr}"
        # Any IPv6 packet to the server makes the device solicit its neighbour
        # (nothing listens on port 9: the refusal is enough).
        netns.run("curl", "-s", "-m", "2", "http://[fd77::1]:9/", ns=topo.lan, check=False)
        print("fetch through the agent: ok")

        def event_where(kind, **fields):
            for e in read_jsonl(events_log):
                if e.get("type") == kind and all(e.get(k) == v for k, v in fields.items()):
                    return e
            return None

        ack = netns.wait_for("the DHCP ack event", lambda: event_where("dhcp", mac=DEVICE_MAC, message="ack"))
        request = netns.wait_for("the DHCP request event",
                                 lambda: event_where("dhcp", mac=DEVICE_MAC, message="request"))
        assert request["hostname"] == HOSTNAME, request
        assert request["vendor_class"] == VENDOR, request
        assert request["mud_url"] == MUD_URL, request
        # dhclient asks for what the config's request line lists, in that order.
        assert request["param_list"] == "1,3,6,15", request
        assert ack["ip"] == device_ip, (ack, device_ip)
        dns = netns.wait_for("the DNS answer event",
                             lambda: event_where("dns", mac=DEVICE_MAC, query="web.spin.test", qtype="A"))
        assert dns["rcode"] == "NOERROR", dns
        answer = {"name": "web.spin.test", "type": "A", "address": WEB_IP, "ttl": dns["answers"][0]["ttl"]}
        assert answer in dns["answers"], dns
        assert any(b["name"] == "web.spin.test" and b["address"] == WEB_IP for b in dns["bindings"]), dns
        netns.wait_for("the ARP binding of the device",
                       lambda: event_where("neighbour", mac=DEVICE_MAC, ip=device_ip, via="arp"))
        netns.wait_for("the ND binding of the device",
                       lambda: event_where("neighbour", mac=DEVICE_MAC, ip="fd77::2", via="nd"))
        print(f"events: DHCP {HOSTNAME!r} / {VENDOR!r} / {MUD_URL} / {request['param_list']} -> {device_ip}; "
              f"DNS web.spin.test -> {WEB_IP}; ARP and ND bindings")
        streamed = read_jsonl(events_out)
        assert any(e.get("type") == "dhcp" and e.get("mac") == DEVICE_MAC for e in streamed), \
            "spinctl events missed the DHCP event"

        def http_flow():
            for r in read_jsonl(digests_out):
                if r["mac"] == DEVICE_MAC and r["remote_ip"] == WEB_IP and r["remote_port"] == 8080 and r["proto"] == 6:
                    return r
            return None
        flow = netns.wait_for("the HTTP flow's digest", http_flow)
        assert flow["initiator"] == "lan" and flow["lan_ip"] == device_ip, flow
        print(f"digest: HTTP flow {device_ip}:{flow['lan_port']} -> {WEB_IP}:8080 initiated by the LAN")

        # --- quarantine within 10 ms of the acknowledgement, measured on a stream in flight
        topo.start([sys.executable, "-c", SENDER], ns=topo.lan)
        netns.wait_for("the UDP stream to flow", lambda: os.path.exists(received) and os.path.getsize(received) > 2000)
        # Kill the subscriber mid-stream: forwarding must not notice.
        subscriber.kill()
        time.sleep(0.5)
        answer = spinctl("agent", "block", "--connect", cmd, "--mac", DEVICE_MAC, "--id", "quarantine-1")
        assert answer["ok"] and answer["changed"] and answer["id"] == "quarantine-1", answer
        time.sleep(0.5)
        # Whole lines only: the receiver may be writing the last one.
        sent_times = [float(x) for x in open(received).read().split("\n")[:-1] if x]
        last_through = max(sent_times)
        lag_ms = (last_through - answer["time"]) * 1000
        print(f"quarantine: last packet through was sent {lag_ms:+.2f} ms after the acknowledgement")
        assert lag_ms <= 10, f"packets sent {lag_ms:.2f} ms after the acknowledgement still went through"
        assert lag_ms > -200, f"the stream had stopped {-lag_ms:.1f} ms before the order: nothing was measured"
        gaps = [b - a for a, b in zip(sent_times, sent_times[1:]) if b < answer["time"] - 0.001]
        assert gaps and max(gaps) < 0.5, f"forwarding stalled for {max(gaps) * 1000:.0f} ms while the subscriber died"
        print(f"forwarding while the subscriber was killed: longest gap {max(gaps) * 1000:.1f} ms")
        blocked = fetch(topo, "http://web.spin.test:8080/", timeout=2)
        assert blocked.returncode != 0, "the quarantined device could still fetch"

        # A new subscriber learns what the agent holds.
        events_out2 = os.path.join(d, "events-stream2.jsonl")
        topo.start([spintest.SPINCTL, "events", "--connect", pub], log=events_out2)
        hello = netns.wait_for("the new subscriber's hello",
                               lambda: next((e for e in read_jsonl(events_out2)
                                             if e.get("reason") == "subscriber"), None))
        assert hello["version"] == answer["version"] and hello["rules"] == 1, (hello, answer)
        rules = spinctl("agent", "rules", "--connect", cmd)
        assert [r["mac"] for r in rules["rules"]] == [DEVICE_MAC] and rules["rules"][0]["dropped_pkts"] > 0, rules

        undo = spinctl("agent", "unblock", "--connect", cmd, "--mac", DEVICE_MAC)
        assert undo["ok"] and undo["changed"], undo
        page = fetch(topo, "http://web.spin.test:8080/")
        assert page.returncode == 0, "the fetch still fails after unblock"
        print("quarantine stops the fetch; unblock restores it")

        # --- a DNS-name rule: addresses the device resolves from then on
        named = spinctl("agent", "block", "--connect", cmd, "--mac", DEVICE_MAC, "--domain", "*.spin.test")
        assert named["ok"], named
        netns.run("getent", "hosts", "web.spin.test", ns=topo.lan)
        netns.wait_for("the name rule to learn the address",
                       lambda: spinctl("agent", "rules", "--connect", cmd)["rules"][0].get("resolved") == 1)
        assert fetch(topo, "http://web.spin.test:8080/", timeout=2).returncode != 0, "*.spin.test not blocked"
        assert fetch(topo, "http://other.test:8080/").returncode == 0, "other.test blocked by the *.spin.test rule"
        spinctl("agent", "unblock", "--connect", cmd, "--rule-id", str(named["rule"]["id"]))
        assert fetch(topo, "http://web.spin.test:8080/").returncode == 0, "fetch fails after the name rule went"
        print("DNS-name rule: web.spin.test blocked once resolved, other.test untouched, unblock restores")

        # --- an allow-list: only names of spin.test, learnt from the device's own DNS answers
        allow = spinctl("agent", "block", "--connect", cmd, "--mac", DEVICE_MAC, "--allow-domain", "spin.test")
        assert allow["ok"] and allow["rule"]["type"] == "device_allow", allow
        assert fetch(topo, "http://other.test:8080/", timeout=2).returncode != 0, \
            "other.test reachable despite the allow-list"
        netns.run("getent", "hosts", "web.spin.test", ns=topo.lan)  # DNS itself stays allowed
        netns.wait_for("the allow-list to learn web.spin.test",
                       lambda: spinctl("agent", "rules", "--connect", cmd)["rules"][0].get("resolved") == 1)
        assert fetch(topo, "http://web.spin.test:8080/").returncode == 0, "web.spin.test not allowed by the allow-list"
        spinctl("agent", "unblock", "--connect", cmd, "--rule-id", str(allow["rule"]["id"]))
        assert fetch(topo, "http://other.test:8080/").returncode == 0, \
            "other.test still blocked after the allow-list went"
        print("allow-list: only spin.test names reachable (DNS still works), unblock restores")

        # --- the controller saw it all, and its blocks take effect in the agent
        dev = netns.wait_for("the device in the controller's API",
                             lambda: ctl.request("GET", f"/devices/{DEVICE_MAC}")[1]
                             if ctl.request("GET", f"/devices/{DEVICE_MAC}")[0] == 200 else None)
        for key, want in (("hostname", HOSTNAME), ("vendor_class", VENDOR), ("mud_url", MUD_URL), ("agents", ["e2e"])):
            assert dev[key] == want, f"controller device {key}: {dev[key]!r}, expected {want!r}"
        assert device_ip in dev["ips"], dev["ips"]
        # Flows report their totals at updates and at their end, not per packet.
        dest = netns.wait_for("the web server's answers among the device's destinations", lambda: [
            x for x in ctl.get(f"/devices/{DEVICE_MAC}/destinations")["destinations"]
            if x["remote_ip"] == WEB_IP and x["remote_port"] == 8080 and x["bytes_in"] > 0], timeout=40)
        assert "web.spin.test" in dest[0]["names"] and dest[0]["pkts_out"] > 0, dest
        api = ["--url", ctl.url.rsplit("/api/v1", 1)[0]]
        out = subprocess.run([spintest.SPINCTL, "block", DEVICE_MAC, "--json", *api], stdout=subprocess.PIPE, text=True)
        block = json.loads(out.stdout)
        assert out.returncode == 0 and block["agents"][0]["state"] == "acknowledged", out.stdout
        assert fetch(topo, "http://web.spin.test:8080/", timeout=2).returncode != 0, \
            "blocked through the controller, yet fetched"
        listed = subprocess.run([spintest.SPINCTL, "blocks", *api], stdout=subprocess.PIPE, text=True,
                                check=True).stdout
        assert DEVICE_MAC in listed and "acknowledged" in listed, listed
        subprocess.run([spintest.SPINCTL, "unblock", str(block["id"]), *api], check=True, stdout=subprocess.DEVNULL)
        assert fetch(topo, "http://web.spin.test:8080/").returncode == 0, "still blocked after spinctl unblock"
        out = subprocess.run([spintest.SPINCTL, "block", DEVICE_MAC, "--domain", "other.test", "--json", *api],
                             stdout=subprocess.PIPE, text=True)
        named = json.loads(out.stdout)
        assert out.returncode == 0, out.stdout
        # A name rule holds the addresses the device resolves from then on,
        # once the agent has learnt them (docs/security.md, promise 3).
        netns.run("getent", "hosts", "other.test", ns=topo.lan)
        netns.wait_for("the controller's name rule to learn other.test", lambda: any(
            r.get("resolved") == 1 for r in spinctl("agent", "rules", "--connect", cmd)["rules"]))
        assert fetch(topo, "http://other.test:8080/", timeout=2).returncode != 0, "other.test not blocked by name"
        assert fetch(topo, "http://web.spin.test:8080/").returncode == 0, "web.spin.test caught by the other.test block"
        subprocess.run([spintest.SPINCTL, "unblock", str(named["id"]), *api], check=True, stdout=subprocess.DEVNULL)
        assert fetch(topo, "http://other.test:8080/").returncode == 0, "other.test still blocked after unblock"
        events = ctl.get(f"/events?device={DEVICE_MAC}")["events"]
        kinds = [e["type"] for e in events]
        for kind in ("device_new", "device_changed", "destination_new", "block", "unblock"):
            assert kind in kinds, f"no {kind} event for the device: {kinds}"
        print("controller: device with DHCP identity and named destinations; spinctl block / unblock "
              "(quarantine, DNS name) take effect in the agent")

        topo.stop_agent(agent)
    print("ok")


if __name__ == "__main__":
    main()
