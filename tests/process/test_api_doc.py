#!/usr/bin/env python3
"""Every example of docs/api.md, sent to a controller that has seen the
generated home capture (agent "home"; a second, idle run of that agent then
takes the orders), in the document's order: the status and JSON body must be
the documented ones.  Values of keys that change from run to run (wall-clock
times, boot times, event ids) are compared by type only.

  test_api_doc.py          check
  test_api_doc.py --print  print what the controller answers (for writing the document)"""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import spintest as t

DOC = os.path.join(t.project_root(), "docs", "api.md")
OPENAPI = os.path.join(t.project_root(), "docs", "openapi.json")
VOLATILE = {"boot", "previous_boot", "created", "removed", "time", "id", "first_seen", "last_seen", "expires",
            "assigned", "first", "last", "last-update",
            "interval",
            "publish", "commands", "version"}


def examples():
    """[(kind, request text, response text)] in document order."""
    text = open(DOC).read()
    out = []
    for m in re.finditer(r"<!-- api-example(?P<attrs>[^>]*)-->\s*```http\n(?P<req>.*?)```\s*```http\n(?P<res>.*?)```",
                         text, re.S):
        out.append((m.group("attrs").strip(), m.group("req"), m.group("res")))
    return out


def parse_request(text):
    head, _, body = text.partition("\n\n")
    lines = head.strip().splitlines()
    method, path = lines[0].split()[:2]
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return method, path, headers, body.strip()


def parse_response(text):
    head, _, body = text.partition("\n\n")
    status = int(head.splitlines()[0].split()[1])
    return status, body.strip()


def same(want, got, path="$", counts=False):
    """Differences between a documented value and the actual one; with
    `counts` (an example marked `counts`: counters that depend on timing)
    numbers are compared by type only."""
    key = path.rsplit(".", 1)[-1]
    loose = counts and isinstance(want, (int, float)) and not isinstance(want, bool)
    if (key in VOLATILE or loose) and not isinstance(want, (dict, list)):
        return [] if type(want) is type(got) or (isinstance(want, (int, float)) and isinstance(got, (int, float))) \
            else [f"{path}: documented {want!r}, got {got!r} (another type)"]
    if isinstance(want, dict) and isinstance(got, dict):
        diffs = [f"{path}.{k}: documented but missing" for k in want if k not in got]
        diffs += [f"{path}.{k}: present but not documented" for k in got if k not in want]
        for k in want:
            if k in got:
                diffs += same(want[k], got[k], f"{path}.{k}", counts)
        return diffs
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: documented {len(want)} items, got {len(got)}"]
        return [d for i, (w, g) in enumerate(zip(want, got)) for d in same(w, g, f"{path}[{i}]", counts)]
    return [] if want == got else [f"{path}: documented {want!r}, got {got!r}"]


def check_schema(spec, schema, value, path="$"):
    """What in `value` the OpenAPI 3.0 `schema` does not allow (the subset docs/openapi.json uses)."""
    if "$ref" in schema:
        return check_schema(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], value, path)
    if "oneOf" in schema:
        matched = any(not check_schema(spec, s, value, path) for s in schema["oneOf"])
        return [] if matched else [f"{path}: matches no oneOf"]
    if value is None:
        return [] if schema.get("nullable") else [f"{path}: null where {schema.get('type')} is expected"]
    kind = schema.get("type")
    ok = {"string": isinstance(value, str), "boolean": isinstance(value, bool),
          "integer": isinstance(value, int) and not isinstance(value, bool),
          "number": isinstance(value, (int, float)) and not isinstance(value, bool),
          "array": isinstance(value, list), "object": isinstance(value, dict), None: True}[kind]
    if not ok:
        return [f"{path}: {value!r} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} not in {schema['enum']}"]
    problems = []
    if kind == "array":
        for i, v in enumerate(value):
            problems += check_schema(spec, schema["items"], v, f"{path}[{i}]")
    if kind == "object":
        props = schema.get("properties", {})
        problems += [f"{path}.{k}: required but missing" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            if k in props:
                problems += check_schema(spec, props[k], v, f"{path}.{k}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}.{k}: not in the schema")
    return problems


def openapi_operation(spec, method, path):
    """The OpenAPI operation for a concrete request path, or None."""
    bare = path.split("?", 1)[0]
    for template, ops in spec["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, bare) and method.lower() in ops:
            return ops[method.lower()]
    return None


def raw_request(port, method, path, headers, body):
    """(status, body text); http.client would refuse some of what the examples send."""
    data = body.encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if data or method in ("POST", "PATCH", "PUT"):
        lines.append(f"Content-Length: {len(data)}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, rest = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest.decode()


def read_stream(port, path, trigger, ctl):
    """Opens the stream, runs `trigger` (an API call), returns the first event block."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    buf = b""
    while b"retry:" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise AssertionError(f"the stream closed before it began: {buf[:500]!r}")
        buf += chunk
    method, tpath, body = trigger.split(" ", 2)
    ctl.request(method, tpath, json.loads(body))
    deadline = time.time() + 15
    text = ""
    while time.time() < deadline:
        buf += s.recv(4096)
        # de-chunk loosely: keep the event lines
        text = buf.decode(errors="replace")
        m = re.search(r"(id: \d+\r?\nevent: [^\r\n]+\r?\ndata: [^\r\n]+)", text)
        if m:
            s.close()
            return m.group(1).replace("\r", "")
    s.close()
    raise AssertionError(f"no event on the stream within 15 s:\n{text[-500:]}")


def scenario():
    """A controller that has seen the home capture, and an idle agent "home" taking orders."""
    d = t.workdir("api-doc")
    subprocess.run([t.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
    pub, cmd = t.free_port(), t.free_port()
    ctl = t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"])
    endpoints = ["--publish", f"tcp://127.0.0.1:{pub}", "--commands", f"tcp://127.0.0.1:{cmd}", "--agent-id", "home"]
    t.run_agent(os.path.join(d, "home-lan.pcap"), os.path.join(d, "home-wan.pcap"), d,
                extra=[*endpoints, "--wait-subscribers", "1"])
    t.wait_for("the replay's goodbye", lambda: not ctl.get("/agents")["agents"][0]["connected"])
    empty = os.path.join(d, "empty.pcap")
    t.write_pcap(empty, [])
    idle = subprocess.Popen([t.AGENT, "--config", t.REPLAY_YAML,
                             "--lan", f"net_pcap0,rx_pcap={empty},tx_pcap={d}/idle-lan.pcap",
                             "--wan", f"net_pcap1,rx_pcap={empty},tx_pcap={d}/idle-wan.pcap", *endpoints],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.wait_for("the idle agent", lambda: ctl.get("/agents")["agents"][0]["connected"]
               and ctl.get("/events?type=agent_restarted")["events"])
    t.wait_for("the idle agent taking orders", lambda: subprocess.run(
        [t.SPINCTL, "agent", "ping", "--connect", f"tcp://127.0.0.1:{cmd}", "--timeout", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0)
    return ctl, idle


def main():
    printing = "--print" in sys.argv
    spec = json.load(open(OPENAPI))
    ctl, idle = scenario()
    failures, n = [], 0
    # Every route the server lists is in the OpenAPI file, and the other way round.
    listed = set()
    for route in ctl.get("")["routes"]:
        methods, template = route.split(" ", 1)
        listed |= {(m.lower(), template) for m in methods.split("|")}
    described = {(m, p) for p, ops in spec["paths"].items() for m in ops} - {("get", "/api/v1")}
    if listed != described:
        failures.append(f"routes: served but not in openapi.json {sorted(listed - described)}, "
                        f"in openapi.json but not served {sorted(described - listed)}")
    try:
        for attrs, req, res in examples():
            n += 1
            method, path, headers, body = parse_request(req)
            want_status, want_body = parse_response(res)
            label = f"example {n}: {method} {path}"
            if attrs.startswith("stream"):
                trigger = re.search(r'trigger="([^"]*)"', attrs).group(1).replace("&quot;", '"')
                got = read_stream(ctl.port, path, trigger, ctl)
                if printing:
                    print(f"== {label}\n{got}\n")
                    continue
                want = re.search(r"(id: \d+\nevent: [^\n]+\ndata: [^\n]+)", want_body).group(1)
                w = dict(line.split(": ", 1) for line in want.splitlines())
                g = dict(line.split(": ", 1) for line in got.splitlines())
                diffs = [] if w["event"] == g["event"] else [f"event {g['event']}, documented {w['event']}"]
                diffs += same(json.loads(w["data"]), json.loads(g["data"]))
            else:
                if body == "<MAX_BODY + 1 BYTES>":
                    body = "x" * (1024 * 1024 + 1)  # api.max_body by default
                status, text = raw_request(ctl.port, method, path, headers, body)
                got_json = json.loads(text) if text.strip() else None
                if printing:
                    print(f"== {label}\n{status}\n{json.dumps(got_json, indent=2)}\n")
                    continue
                diffs = [] if status == want_status else [f"status {status}, documented {want_status}"]
                diffs += same(json.loads(want_body) if want_body else None, got_json, counts="counts" in attrs)
                op = openapi_operation(spec, method, path)
                if op is None and status != 404 and status != 405:
                    diffs.append("no operation for it in openapi.json")
                elif op is not None:
                    declared = op["responses"].get(str(status))
                    if declared is None:
                        diffs.append(f"status {status} is not among its responses in openapi.json")
                    else:
                        schema = declared["content"]["application/json"]["schema"]
                        diffs += [f"openapi.json: {p}" for p in check_schema(spec, schema, got_json)]
            if diffs:
                failures.append(f"{label}:\n    " + "\n    ".join(diffs[:12]))
    finally:
        idle.terminate()
        idle.wait(timeout=30)
        ctl.stop()
    if printing:
        return
    if n < 15:
        failures.append(f"only {n} examples found in {DOC}")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"PASS: {n} examples of docs/api.md answered as documented, and as docs/openapi.json describes")


if __name__ == "__main__":
    main()
