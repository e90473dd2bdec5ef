#!/usr/bin/env python3
"""The API cannot be driven from another origin (docs/security.md).  With no
token (the loopback default), what a web page in the owner's browser can send
is refused and changes nothing:

  - a write without Content-Type: application/json (a form, a text/plain
    fetch, which browsers send cross-origin without asking) gets 415;
  - a request whose Host is not an address of the API nor one of api.hosts
    (what DNS rebinding produces) gets 403, read or write;
  - a request with a foreign Origin gets 403; a preflight gets no CORS grant,
    and no answer carries Access-Control-Allow-Origin.

Then the same from a real browser (Debian's Chromium, headless): a page on
another origin posts text/plain to /blocks (a control server on the page's
side proves the browser really sends such requests), and a page whose name
resolves to the API's address (rebinding, by --host-resolver-rules) reads
/devices.  Neither makes a block nor reads a device.  A well-formed client
still creates and deletes a block."""
import http.client
import http.server
import json
import os
import shutil
import subprocess
import threading

import spintest as t

CAMERA = "02:53:50:49:4e:77"


def call(port, method, path, body=None, headers=None):
    """(status, headers, parsed body) with headers exactly as given (Host too)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.putrequest(method, "/api/v1" + path, skip_host=True, skip_accept_encoding=True)
    headers = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    data = body.encode() if isinstance(body, str) else body
    if data is not None:
        headers["Content-Length"] = str(len(data))
    for k, v in headers.items():
        if v is not None:
            c.putheader(k, v)
    c.endheaders(data)
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(text) if text else None


def blocks(port):
    status, _, body = call(port, "GET", "/blocks")
    assert status == 200, body
    return body["blocks"]


d = t.workdir("api-browser")
config = t.write_config(os.path.join(d, "controller.yaml"), "api: {hosts: [spin.home]}\n")
block = json.dumps({"mac": CAMERA})
pub, cmd = t.free_port(), t.free_port()
agent = t.IdleAgent(t.REPLAY_YAML, d, pub, cmd).start()
with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], config=config) as ctl:
    port = ctl.port
    seen_headers = []

    def check(status, headers, body, want, says):
        seen_headers.append(headers)
        assert status == want and says in body["error"], (status, body)

    # Writes a page can make without a preflight.
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        check(*call(port, "POST", "/blocks", block, {"Content-Type": ctype}), 415, "Content-Type: application/json")
    check(*call(port, "DELETE", "/blocks/1", None, {}), 415, "Content-Type: application/json")
    # DNS rebinding: the page's own name in Host, read or write.
    for method, body in (("GET", None), ("POST", block)):
        check(*call(port, method, "/devices" if method == "GET" else "/blocks", body,
                    {"Host": f"rebind.attacker.example:{port}", "Content-Type": "application/json"}),
              403, "is not an address of this API")
    # A foreign Origin, even with everything else right.
    for origin in ("http://attacker.example", "null"):
        check(*call(port, "POST", "/blocks", block, {"Content-Type": "application/json", "Origin": origin}),
              403, "are refused")
    # The preflight a page needs for a JSON write is granted nothing.
    status, headers, _ = call(port, "OPTIONS", "/blocks", None, {
        "Origin": "http://attacker.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    seen_headers.append(headers)
    assert status >= 400, status
    t.wait_for("the agent's command channel", lambda: agent.rules() is not None)
    assert blocks(port) == [] and agent.rules() == [], "a refused request made a block"
    # What is this API's: address literals, localhost, api.hosts.
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"spin.home:{port}", "[::1]", "SPIN.HOME."):
        status, headers, _ = call(port, "GET", "/devices", None, {"Host": host})
        seen_headers.append(headers)
        assert status == 200, (host, status)
    # A well-formed client writes.
    status, _, made = call(port, "POST", "/blocks", block, {"Content-Type": "application/json"})
    assert status in (200, 201), made
    status, _, _ = call(port, "DELETE", f"/blocks/{made['id']}", None, {"Content-Type": "application/json"})
    assert status in (200, 204), status
    assert not [h for h in seen_headers if any(k.startswith("access-control-allow") for k in h)], \
        "an answer carried a CORS grant"
    print("API: forms and text/plain writes 415, foreign Host and Origin 403, no CORS grant; JSON clients write")

    # A page opening streams and idle connections cannot take the API's
    # threads: streams are capped (api.max_streams, 4 by default), idle
    # connections time out, and a browser holds at most 6 connections to one
    # host (here 8 are held, beside the streams).
    import socket
    import time

    def open_stream():
        """The socket and what came back: the stream's first comment, or a whole error answer."""
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(f"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        got = b""
        while b"live stream" not in got and not (b"\r\n\r\n" in got and got.rstrip().endswith(b"}")):
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        return s, got.decode(errors="replace")

    streams = [open_stream() for _ in range(4)]
    assert all(head.startswith("HTTP/1.1 200") for _, head in streams), [h[:80] for _, h in streams]
    extra, head = open_stream()
    assert head.startswith("HTTP/1.1 503") and "api.max_streams" in head, head[:300]
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    started = time.monotonic()
    status, _, _ = call(port, "GET", "/devices")
    took = time.monotonic() - started
    assert status == 200 and took < 5, (status, took)
    for s in idle + [extra] + [s for s, _ in streams]:
        s.close()
    # A stream whose client went away (a page reloaded or closed) frees its
    # slot within a second: each stream checks its connection every second,
    # not only at the keep-alive comment (15 s).
    closed = time.monotonic()
    again = [t.wait_for("a stream slot to come back", lambda: (lambda s: s if s[1].startswith("HTTP/1.1 200") else
                                                                 s[0].close())(open_stream()), timeout=10)
             for _ in range(4)]
    freed = time.monotonic() - closed
    assert freed < 4, f"the slots of 4 closed streams took {freed:.1f} s to come back"
    for s, _ in again:
        s.close()
    print(f"4 streams open, the 5th 503; with 8 idle connections a GET took {took:.2f} s; "
          f"the closed streams' slots were back in {freed:.1f} s")

    chromium = shutil.which("chromium")
    if chromium is None:
        t.skip("chromium is not installed (tools/install-deps installs it): the browser half was not run")
    # The attacker's page, on another origin, and a control endpoint beside it.
    got = []

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            html = f"""<html><body>waiting<script>
const opts = {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}}, body: '{block}'}};
Promise.allSettled([fetch("http://127.0.0.1:{port}/api/v1/blocks", opts), fetch("/control", opts),
  fetch("http://127.0.0.1:{port}/api/v1/blocks", {{method: "POST", headers: {{"Content-Type": "application/json"}},
                                                  body: '{block}'}})])
  .then(() => {{ document.body.innerText = "attack sent"; }});
</script></body></html>"""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html.encode())

        def do_POST(self):
            got.append((self.headers.get("Content-Type"), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    page = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=page.serve_forever, daemon=True).start()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--virtual-time-budget=5000"]

    def browse(url, *extra):
        profile = t.workdir("chromium")
        p = subprocess.run([chromium, *flags, f"--user-data-dir={profile}", *extra, "--dump-dom", url],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=90)
        return p.stdout

    dom = browse(f"http://127.0.0.1:{page.server_port}/attack.html")
    assert "attack sent" in dom, dom[-2000:]
    assert got and got[0][0].startswith("text/plain") and json.loads(got[0][1]) == {"mac": CAMERA}, \
        f"the browser did not send the cross-origin text/plain POST to the control endpoint: {got}"
    assert blocks(port) == [] and agent.rules() == [], "a page in the browser made a block"
    rebound = browse(f"http://rebind.attacker.example:{port}/api/v1/devices",
                     "--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1")
    assert "is not an address of this API" in rebound and '"devices"' not in rebound, rebound[-2000:]
    page.shutdown()
    print("browser: the cross-origin text/plain POST was sent (control received it) and refused by the API; "
          "the rebound name read nothing")
agent.stop()
print("PASS: the API cannot be driven from another origin")
