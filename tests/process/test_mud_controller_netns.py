#!/usr/bin/env python3
"""The MUD engine end to end (docs/mud.md, "The MUD engine"): in network
namespaces, a camera behind spin-agent gets its lease while announcing its
MUD URL (DHCP option 161); the controller fetches the file over HTTPS from a
server of this test (its certificate from a test CA named in mud.tls_ca),
checks the detached signature against a test trust anchor, and enforces it.
The camera reaches the name its profile allows and not another one that
resolves just as well; the API shows the violation with the name the camera
resolved, and the packets the allowing entry counted.  Then, as an attacker
would try:
  - a file whose signature is of other bytes (tampered), and a signature
    that is not one, are refused; an unsigned file is monitored only;
  - a later version of the camera's own file signed by another signer (one
    the anchor also vouches for) is refused, the last good copy kept;
  - the camera announcing another URL keeps its profile until the user
    accepts the new one (mud_url_changed).
Skips where namespaces cannot be created."""

import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import time

import netns
import spintest

CAMERA_MAC = "02:5e:00:00:00:51"
DNS_IP, ALLOWED_IP, OTHER_IP = "10.77.0.1", "10.77.0.2", "10.77.0.3"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_pki(d):
    """A MUD trust anchor with two signers under it, and a TLS CA with a
    certificate for 127.0.0.1."""
    for ca in ("mud-ca", "tls-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem",
                "-days", "2", "-subj", f"/O=SPIN test/CN={ca}", cwd=d)
    with open(os.path.join(d, "ip.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for name, ca, ext in (("signer", "mud-ca", None), ("rogue", "mud-ca", None), ("server", "tls-ca", "ip.ext")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/O=SPIN test/CN={name}", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", *(["-extfile", ext] if ext else []), cwd=d)


def sign(d, path, signer, out):
    openssl("cms", "-sign", "-binary", "-in", path, "-signer", f"{signer}.pem", "-inkey", f"{signer}.key",
            "-outform", "DER", "-out", out, cwd=d)


def profile(url, name, systeminfo):
    """An RFC 8520 file: TCP 8080 to `name`, opened by the device, and nothing else."""
    def ace(ace_name, end, port_end):
        return {"name": ace_name,
                "matches": {"ipv4": {"protocol": 6, f"ietf-acldns:{end}-dnsname": name},
                            "tcp": {f"{port_end}-port": {"operator": "eq", "port": 8080},
                                    "ietf-mud:direction-initiated": "from-device"}},
                "actions": {"forwarding": "accept"}}
    return {
        "ietf-mud:mud": {
            "mud-version": 1, "mud-url": url, "last-update": "2026-12-01T00:00:00+00:00", "cache-validity": 48,
            "is-supported": True, "systeminfo": systeminfo,
            "from-device-policy": {"access-lists": {"access-list": [{"name": "from-cam"}]}},
            "to-device-policy": {"access-lists": {"access-list": [{"name": "to-cam"}]}}},
        "ietf-access-control-list:acls": {"acl": [
            {"name": "from-cam", "type": "ipv4-acl-type",
             "aces": {"ace": [ace("cloud-http", "dst", "destination")]}},
            {"name": "to-cam", "type": "ipv4-acl-type",
             "aces": {"ace": [ace("cloud-http-back", "src", "source")]}}]}}


class MudServer:
    """HTTPS on 127.0.0.1 serving a directory, remembering each request's headers."""

    def __init__(self, root, cert, key):
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                super().do_GET()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, name):
        return f"https://127.0.0.1:{self.port}/{name}"


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


def dhcp_conf(d, name, url):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write('option mud-url code 161 = text;\n'
                f'send mud-url "{url}";\n'
                'request subnet-mask, routers, domain-name-servers;\n')
    return path


def curl(topo, url):
    return netns.run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "3", url, ns=topo.lan,
                     check=False)


def main():
    why = netns.can_create_namespaces()
    if why:
        spintest.skip(why)
    d = spintest.workdir("mud-controller")
    make_pki(d)
    www = os.path.join(d, "mud")
    os.makedirs(www)
    server = MudServer(www, os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    camera_url = server.url("camera.json")
    write_json(os.path.join(www, "camera.json"), profile(camera_url, "allowed.spin.test", "SPIN test camera"))
    sign(d, os.path.join(www, "camera.json"), "signer", os.path.join(www, "camera.p7s"))

    # Files an attacker on the path, or a careless maker, would serve.
    tampered_url = server.url("tampered.json")
    write_json(os.path.join(www, "tampered.json"), profile(tampered_url, "allowed.spin.test", "tampered"))
    sign(d, os.path.join(www, "tampered.json"), "signer", os.path.join(www, "tampered.p7s"))
    write_json(os.path.join(www, "tampered.json"), profile(tampered_url, "c2.evil.example", "tampered"))
    garbage_url = server.url("garbage.json")
    write_json(os.path.join(www, "garbage.json"), profile(garbage_url, "allowed.spin.test", "garbage"))
    with open(os.path.join(www, "garbage.p7s"), "wb") as f:
        f.write(b"\x30\x82\x01\x00 not a signature")
    unsigned_url = server.url("unsigned.json")
    write_json(os.path.join(www, "unsigned.json"), profile(unsigned_url, "allowed.spin.test", "unsigned"))
    other_url = server.url("camera-v2.json")
    write_json(os.path.join(www, "camera-v2.json"), profile(other_url, "allowed.spin.test", "camera v2"))
    sign(d, os.path.join(www, "camera-v2.json"), "signer", os.path.join(www, "camera-v2.p7s"))

    config = os.path.join(d, "controller.yaml")
    with open(config, "w") as f:
        f.write(f"mud:\n  trust_anchors: [{d}/mud-ca.pem]\n  tls_ca: {d}/tls-ca.pem\n"
                "  unsigned: monitor-only\n  default_mode: enforce\n")

    with netns.Topology(d) as topo:
        for ip in (DNS_IP, ALLOWED_IP, OTHER_IP):
            netns.run("ip", "addr", "add", f"{ip}/24", "dev", "eth0", ns=topo.wan)
        page = os.path.join(d, "www")
        os.makedirs(page)
        with open(os.path.join(page, "index.html"), "w") as f:
            f.write("the camera's cloud\n")
        topo.start(["dnsmasq", "-k", "--conf-file=/dev/null", "--user=root", "--interface=eth0", "--bind-interfaces",
                    "--listen-address", DNS_IP, "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h",
                    "--dhcp-authoritative", f"--dhcp-option=option:router,{DNS_IP}",
                    f"--dhcp-option=option:dns-server,{DNS_IP}", "--no-resolv", "--no-hosts",
                    f"--address=/allowed.spin.test/{ALLOWED_IP}", f"--address=/other.test/{OTHER_IP}",
                    # No ping before an offer: the camera's profile does not allow
                    # the server's echo, which would be a violation of its own.
                    "--no-ping", f"--dhcp-leasefile={d}/leases", f"--pid-file={d}/dnsmasq.pid"],
                   ns=topo.wan, log=os.path.join(d, "dnsmasq.log"))
        topo.start([sys.executable, "-m", "http.server", "8080", "--bind", "0.0.0.0", "--directory", page],
                   ns=topo.wan, log=os.path.join(d, "http.log"))
        pub, cmd = f"tcp://127.0.0.1:{spintest.free_port()}", f"tcp://127.0.0.1:{spintest.free_port()}"
        topo.start_agent("mud", pub, cmd)
        ctl = spintest.Controller([f"mud={pub},{cmd}"], config=config)
        topo.procs.append(ctl.proc)

        # --- the camera announces its URL; the controller fetches, verifies, enforces
        netns.run("ip", "link", "set", "eth0", "address", CAMERA_MAC, ns=topo.lan)
        started = time.monotonic()
        ip = topo.lease("-cf", dhcp_conf(d, "dhclient.conf", camera_url))
        took = time.monotonic() - started
        print(f"camera {CAMERA_MAC} leased {ip} in {took:.2f} s, announcing {camera_url}")
        # The profile is in force from the discover on; the first offer still
        # reaches the camera (a dropped one costs dhclient a retry of seconds).
        assert took < 3, f"the lease took {took:.1f} s: an offer was dropped"

        def conformance(mac=CAMERA_MAC):
            status, body = ctl.request("GET", f"/devices/{mac}/mud")
            return body if status == 200 else None

        def in_force():
            c = conformance()
            agents = (c or {}).get("policy", {}).get("agents", [])
            return c if agents and all(a["state"] == "acknowledged" for a in agents) else None

        c = spintest.wait_for("the camera's profile in force at the agent", in_force, timeout=30)
        assert c["source"] == "announced" and c["url"] == camera_url, c
        assert c["signature"]["state"] == "valid" and "CN = signer" in c["signature"]["signer"], c["signature"]
        assert c["effective_mode"] == "enforce" and c["verdict"] == "conforming", c
        assert c["expires"] - c["fetched"] == 48 * 3600, c
        path, headers = server.requests[0]
        assert path == "/camera.json" and headers["Accept"].startswith("application/mud+json"), server.requests[0]
        assert headers["User-Agent"].startswith("spin-controller/"), headers
        assert [p for p, _ in server.requests[:2]] == ["/camera.json", "/camera.p7s"], server.requests
        print(f"fetched over HTTPS ({headers['User-Agent']}), signed by {c['signature']['signer']}, enforced")

        assert curl(topo, "http://allowed.spin.test:8080/").stdout == "200", "the allowed name is unreachable"
        assert curl(topo, "http://other.test:8080/").stdout != "200", "a name outside the profile is reachable"

        def violated():
            c = conformance()
            v = [x for x in c["violations"] if x["remote_ip"] == OTHER_IP]
            counted = all(a["pkts"] > 0 for a in c["aces"])  # the allowed flow's records came in
            return c if v and v[0]["dropped_pkts"] > 0 and counted else None

        c = spintest.wait_for("the violation in the API", violated, timeout=20)
        v = next(x for x in c["violations"] if x["remote_ip"] == OTHER_IP)
        assert v["names"] == ["other.test"] and v["proto"] == 6 and v["remote_port"] == 8080, v
        assert v["direction"] == "out" and c["verdict"] == "violating", c
        assert not any(x["remote_ip"] == ALLOWED_IP for x in c["violations"]), c["violations"]
        aces = {(a["acl"], a["name"]): a for a in c["aces"]}
        assert aces[("from-cam", "cloud-http")]["pkts"] > 0 and aces[("to-cam", "cloud-http-back")]["pkts"] > 0, aces
        events = spintest.wait_for("the mud_violation event", lambda: ctl.get(
            f"/events?device={CAMERA_MAC}&type=mud_violation")["events"])
        assert len(events) == 1 and events[0]["remote_ip"] == OTHER_IP and events[0]["names"] == ["other.test"], events
        show = subprocess.run([spintest.SPINCTL, "mud", "show", CAMERA_MAC, "--url", f"http://127.0.0.1:{ctl.port}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        assert show.returncode == 0 and "other.test" in show.stdout and "cloud-http" in show.stdout, show
        print(show.stdout)
        print(f"other.test: {v['dropped_pkts']} packets dropped, one mud_violation; cloud-http allowed "
              f"{aces[('from-cam', 'cloud-http')]['pkts']} packets")

        # --- what an attacker would serve is refused
        def assigned(mac, url):
            status, body = ctl.request("PUT", f"/devices/{mac}/mud", {"url": url})
            assert status in (200, 201), (status, body)
            return spintest.wait_for(f"{url} fetched", lambda: (
                lambda c: c if c and c.get("last_attempt") and not c.get("fetching") else None)(conformance(mac)))

        for mac, url, why in (("02:5e:00:00:00:52", tampered_url, "does not verify"),
                              ("02:5e:00:00:00:53", garbage_url, "does not verify")):
            c = assigned(mac, url)
            assert c["verdict"] == "no-profile" and why in c["error"], c
            assert "policy" not in c, c
            print(f"{url.rsplit('/', 1)[1]}: refused ({c['error'][:90]}...)")
        c = assigned("02:5e:00:00:00:54", unsigned_url)
        assert c["signature"]["state"] == "unsigned" and c["effective_mode"] == "monitor", c
        assert "monitor-only" in c["mode_note"], c
        print("unsigned.json: monitored only, as mud.unsigned says")

        # --- the camera's own URL, now signed by another signer: refused, the last good copy kept
        before = conformance()["signature"]["sha256"]
        sign(d, os.path.join(www, "camera.json"), "rogue", os.path.join(www, "camera.p7s"))
        status, _ = ctl.request("PUT", f"/devices/{CAMERA_MAC}/mud", {"url": camera_url})
        c = spintest.wait_for("the refetch refused", lambda: (
            lambda c: c if c.get("error") and "pinned" in c["error"] else None)(conformance()))
        assert c["signature"]["sha256"] == before and c["profile"] is not None, c
        assert curl(topo, "http://allowed.spin.test:8080/").stdout == "200", "the last good copy is not in force"
        print("a version signed by another signer: refused, the pinned signer's copy stays in force")

        # --- the camera announces another URL: recorded, taken only when accepted
        pid = open(os.path.join(d, "dhclient.pid")).read().strip()
        netns.run("kill", pid, check=False)
        topo.lease("-cf", dhcp_conf(d, "dhclient2.conf", other_url))
        c = spintest.wait_for("mud_url_changed", lambda: (
            lambda c: c if c.get("pending_url") == other_url else None)(conformance()), timeout=30)
        assert c["url"] == camera_url, c
        events = spintest.wait_for("the mud_url_changed event", lambda: ctl.get(
            f"/events?device={CAMERA_MAC}&type=mud_url_changed")["events"])
        assert events[0]["announced"] == other_url and events[0]["url"] == camera_url, events
        status, c = ctl.request("POST", f"/devices/{CAMERA_MAC}/mud/accept", {})
        assert status == 200 and c["url"] == other_url and c["pending_url"] is None, (status, c)
        c = spintest.wait_for("the accepted profile fetched", lambda: (
            lambda c: c if c["signature"].get("state") == "valid" and c["url"] == other_url else None)(conformance()))
        print("another URL announced: kept the profile until accepted, then fetched and verified the new one")
    print("ok")


if __name__ == "__main__":
    main()
