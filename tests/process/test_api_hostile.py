#!/usr/bin/env python3
"""The API under hostile and careless clients, over real sockets: a bearer
token is demanded and checked; off loopback a token is required; random
methods, paths, parameters and bodies (malformed JSON, wrong types, deep
nesting, invalid UTF-8, huge bodies, long lines) and raw garbage never get a
500 or an answer that is not the documented JSON error, and never take the
controller down."""
import json
import os
import random
import socket
import subprocess
import sys
import time

import spintest as t

random.seed(int(os.environ.get("SPIN_API_FUZZ_SEED", "11")))
failures = []

# --- off loopback without a token: refused before it starts
p = subprocess.run([t.CONTROLLER, "--listen", "0.0.0.0:0", "--db", os.path.join(t.workdir("api-hostile"), "x.db")],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
if p.returncode != 2 or "api.token" not in p.stderr:
    failures.append(f"listening on 0.0.0.0 without a token: exit {p.returncode}, {p.stderr.strip()}")

TOKEN = "s3cret-token-for-tests"
MAC = "02:53:50:49:4e:12"


def raw(port, data, read_timeout=10, half_close=False):
    """Sends bytes, returns (status or None, body bytes).  half_close: end
    the sending side (for requests that are not whole, which the server
    would otherwise wait out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        reply = b""
        reset = False
        try:
            while chunk := s.recv(65536):
                reply += chunk
        except socket.timeout:
            pass
        except ConnectionResetError:
            reset = True
    head, _, body = reply.partition(b"\r\n\r\n")
    try:
        status = int(head.split()[1])
    except (IndexError, ValueError):
        return None, reply
    # The server answers garbage and closes with the rest of it unread: the
    # kernel then resets the connection, which may drop the answer's body
    # on the way (rarely, in a race).  A JSON answer whose body was lost so
    # is a JSON answer.
    if reset and not body and b"content-type: application/json" in head.lower():
        return status, None
    return status, body


def request(port, method, target, body=b"", headers=None, token=TOKEN):
    lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}".encode())
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}".encode())
    if body or method in ("POST", "PATCH", "PUT"):
        lines.append(f"Content-Length: {len(body)}".encode())
    return raw(port, b"\r\n".join(lines) + b"\r\n\r\n" + body)


def check_answer(label, status, body):
    if status is None or label.startswith("HEAD "):  # HEAD answers carry no body
        return  # the server may close a connection it cannot parse; it must stay up (checked below)
    if body is None:
        return  # a JSON answer whose body the connection's reset dropped (raw())
    if status >= 500 and status != 503:
        failures.append(f"{label}: status {status} {body[:200]!r}")
        return
    if status >= 400:
        try:
            j = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            failures.append(f"{label}: {status} with a body that is not JSON: {body[:200]!r}")
            return
        if not (isinstance(j, dict) and isinstance(j.get("error"), str) and j.get("status") == status):
            failures.append(f"{label}: {status} with {j!r}, not {{error, status}}")


with t.Controller([], token=TOKEN) as ctl:
    port = ctl.port
    # --- the token
    for label, tok, want in (("no token", None, 401), ("wrong token", "nope", 401),
                             ("token prefix", TOKEN[:-1], 401), ("right token", TOKEN, 200)):
        status, body = request(port, "GET", "/api/v1/devices", token=tok)
        if status != want:
            failures.append(f"{label}: {status}, expected {want}")
        check_answer(label, status, body)
    status, body = raw(port, b"GET /api/v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic Zm9vOmJhcg==\r\n"
                             b"Connection: close\r\n\r\n")
    if status != 401:
        failures.append(f"basic auth instead of bearer: {status}")

    # --- random requests
    paths = ["/api/v1", "/api/v1/devices", f"/api/v1/devices/{MAC}", f"/api/v1/devices/{MAC}/traffic",
             f"/api/v1/devices/{MAC}/destinations", "/api/v1/events", "/api/v1/agents", "/api/v1/blocks",
             "/api/v1/blocks/1", "/api/v1/blocks/-1", "/api/v1/blocks/99999999999999999999", "/api/v1/devices/",
             "/api/v1/devices/%00", "/api/v1/devices/" + "a" * 5000, "/api//devices", "/../etc/passwd", "/",
             "/api/v1/devices/02:53:50:49:4E:12", "/api/v1/devices/02-53-50-49-4e-12/traffic", "/api/v1/%ff%fe",
             "/api/v1/traffic", "/api/v1/destinations", "/devices/%00", "/assets/../../etc/passwd"]
    params = ["", "?from=0", "?top=0", "?top=101", "?top=-1", "?type=a,,b", "?newest=maybe", "?before=0",
              "?from=-5", "?from=1e400", "?from=nan", "?to=2016-02-30",
              "?from=2016-09-22T10:00:00Z&to=1",
              "?step=0", "?step=59", "?step=60", "?step=9999999999999999999", "?limit=0", "?limit=10001",
              "?after=-1", "?device=zz", "?type=%ff", "?from=1&from=2", "?x=1", "?all=maybe", "?all=true",
              "?from=2026-01-01&to=2026-01-02&step=60", "?" + "a=b&" * 500]
    bodies = [b"", b"{", b"[]", b"null", b"\"x\"", b"{\"name\": 42}", b"{\"name\": \"\xff\xfe\"}",
              b"{\"mac\": \"" + MAC.encode() + b"\", \"type\": \"remote\", \"remote\": \"::/0\"}",
              b"{\"mac\": \"" + MAC.encode() + b"\", \"type\": \"name\", \"domain\": \"" + b"a." * 200 + b"\"}",
              b"{\"mac\": \"" + MAC.encode() + b"\", \"duration\": -1}",
              b"{\"mac\": \"" + MAC.encode() + b"\", \"expires\": \"soon\"}",
              b"{\"mac\": 7}", b"{\"mac\": \"ff:ff:ff:ff:ff:ff\"}", b"{\"notes\": \"" + b"n" * 5000 + b"\"}",
              b"[" * 100000 + b"]" * 100000, b"{\"a\":" * 5000 + b"1" + b"}" * 5000, b"\x00\x01\x02",
              b"{\"name\": \"ok\", \"extra\": true}",
              b"{\"mac\": \"" + MAC.encode() + b"\", \"reason\": \"" + b"r" * 2000 + b"\"}"]
    methods = ["GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD"]
    n = 0
    start = time.time()
    while n < 1500:
        method = random.choice(methods)
        target = random.choice(paths) + random.choice(params)
        body = random.choice(bodies)
        if random.random() < 0.2:
            body = bytes(random.getrandbits(8) for _ in range(random.randint(1, 300)))
        headers = {"Content-Type": random.choice(["application/json", "application/x-www-form-urlencoded",
                                                  "text/plain", "multipart/form-data; boundary=x"])}
        status, reply = request(port, method, target, body, headers)
        check_answer(f"{method} {target[:80]} body {body[:40]!r}", status, reply)
        n += 1
    # --- methods HTTP does not know (httplib answers 400 and then waits out
    # its keep-alive, 5 s, before closing: a few are enough)
    for method in ("TRACE", "BREW", "get"):
        status, reply = request(port, method, "/api/v1/devices", b"{}")
        if status not in (400, 405):
            failures.append(f"method {method}: {status}")
        check_answer(f"method {method}", status, reply)
        n += 1
    # --- bodies beyond api.max_body, lines beyond reason, garbage and half requests
    status, reply = request(port, "POST", "/api/v1/blocks", b"{\"mac\": \"" + b"x" * 2000000 + b"\"}",
                            {"Content-Type": "application/json"})
    if status != 413:
        failures.append(f"200 kB body: {status}")
    check_answer("200 kB body", status, reply)
    for garbage in (b"\x00" * 1000, b"GET", b"GET / HTTP/9.9\r\n\r\n",
                    b"GET /api/v1/devices HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n",
                    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
                    b"POST /api/v1/blocks HTTP/1.1\r\nContent-Length: 10\r\n\r\n{",
                    b"POST /api/v1/blocks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", os.urandom(4096)):
        status, reply = raw(port, garbage, half_close=True)
        check_answer(f"garbage {garbage[:30]!r}", status, reply)
        n += 1
    # --- still serving, and nothing reached the store from all that
    status, reply = request(port, "GET", "/api/v1/devices")
    if status != 200 or json.loads(reply)["devices"] != []:
        failures.append(f"after the storm: GET /api/v1/devices {status} {reply[:200]!r}")
    if ctl.proc.poll() is not None:
        failures.append(f"the controller died: {ctl.log_text()}")
    elapsed = time.time() - start
    if ctl.stop() != 0:
        failures.append(f"controller exit status {ctl.proc.returncode}")

if failures:
    print("\n".join(failures[:40]))
    sys.exit(1)
print(f"PASS: token enforced, off-loopback refused without one; {n} hostile requests in {elapsed:.1f} s, "
      "each a documented JSON error or answer, controller still serving")
