"""The controller's benchmark (docs/benchmarks.md, "Controller"), run by bench.py:

  1. ingest on one core, in process: spin-controller-bench ingest (digest
     batches decoded and recorded as the ingest thread does), records/s;
  2. the whole process: spin-synthetic-agent publishes batches of 512 records
     as fast as it can; spin-controller absorbs them over TCP into its store;
     records/s from its first to its last batch, its CPU seconds, losses;
  3. lag: at 100 batches/s, from each batch's sending to its records being
     visible through GET .../destinations (median, p99);
  4. API latency: GET /api/v1/devices/{mac}/destinations over 30 days of history
     for 50 devices (a store written by spin-controller-bench history).
"""
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build-bench")
CONTROLLER = os.path.join(BUILD, "src/controller/spin-controller")
SYNTH = os.path.join(BUILD, "tools/synthetic-agent/spin-synthetic-agent")
BENCH = os.path.join(BUILD, "tools/bench/spin-controller-bench")
TARGET_RECORDS_PER_S = 1_000_000

sys.path.insert(0, os.path.join(ROOT, "tests", "process"))
import spintest  # noqa: E402


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def Controller(db, agents=()):
    """The process tests' controller wrapper, running the benchmark's build."""
    return spintest.Controller(list(agents), db=db, binary=CONTROLLER)


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def ingest_in_process(records, runs, open_flows=0):
    """open_flows 0: whole flows (one end record each); N: flows reported
    start, update, update, end with N open at once."""
    rates = []
    for _ in range(runs):
        out = subprocess.run([BENCH, "ingest", "--records", str(records), "--open-flows", str(open_flows)],
                             stdout=subprocess.PIPE, text=True, check=True)
        rates.append(json.loads(out.stdout))
    best = max(rates, key=lambda r: r["records_per_s"])
    return {"records": best["records"], "open_flows": open_flows, "records_per_s": [r["records_per_s"] for r in rates],
            "ns_per_record": [r["ns_per_record"] for r in rates]}


def ingest_process(workdir, batches):
    db = os.path.join(workdir, "ingest.db")
    port = spintest.free_port()
    ctl = Controller(db, [f"synth=tcp://127.0.0.1:{port}"])
    try:
        cpu0 = cpu_seconds(ctl.proc.pid)
        sent = subprocess.run([SYNTH, "--publish", f"tcp://127.0.0.1:{port}", "--batches", str(batches),
                               "--records", "512", "--devices", "50", "--remotes", "40"],
                              stdout=subprocess.PIPE, text=True, check=True)
        sent = json.loads(sent.stdout)
        deadline = time.time() + 300
        while time.time() < deadline:
            a = get(ctl.url + "/agents")["agents"][0]
            if a["batches"] + a["digests_lost"] >= batches:
                break
            time.sleep(0.2)
        cpu = cpu_seconds(ctl.proc.pid) - cpu0
        seconds = a["last_seen"] - a["first_seen"]
    finally:
        ctl.stop()
    con = sqlite3.connect(db)
    stored = con.execute("SELECT sum(pkts_out) FROM traffic_minute").fetchone()[0] or 0
    con.close()
    return {"records_sent": sent["records"], "records_received": a["records"], "batches_lost": a["digests_lost"],
            "records_stored": stored // 2, "seconds": round(seconds, 3),
            "records_per_s": round(a["records"] / seconds) if seconds > 0 else None,
            "cpu_seconds": round(cpu, 2), "records_per_cpu_s": round(a["records"] / cpu) if cpu > 0 else None}


def lag(workdir, seconds):
    db = os.path.join(workdir, "lag.db")
    port = spintest.free_port()
    log_path = os.path.join(workdir, "lag-sent.log")
    ctl = Controller(db, [f"synth=tcp://127.0.0.1:{port}"])
    synth = subprocess.Popen([SYNTH, "--publish", f"tcp://127.0.0.1:{port}", "--rate", "100", "--records", "10",
                              "--devices", "1", "--remotes", "1", "--port-per-batch", "--log", log_path],
                             stdout=subprocess.DEVNULL)
    seen, lags = set(), []
    url = ctl.url + "/devices/02:00:00:00:00:00/destinations"
    end = time.time() + seconds
    try:
        while time.time() < end:
            try:
                dest = get(url)["destinations"]
            except OSError:
                dest = []  # the device is not in the store yet (404)
            now = time.time()
            fresh = {d["remote_port"] for d in dest} - seen
            if fresh:
                sent = {}
                with open(log_path) as f:
                    for line in f:
                        s, t, _ = line.split()
                        sent[int(s)] = int(t) / 1e6
                for port_seq in fresh:
                    if port_seq in sent and seen:  # skip the first poll: its batches came before we looked
                        lags.append(now - sent[port_seq])
                seen |= fresh
            time.sleep(0.01)
    finally:
        synth.terminate()
        synth.wait()
        ctl.stop()
    if not lags:
        return {"samples": 0}
    return {"samples": len(lags), "median_ms": round(statistics.median(lags) * 1000, 1),
            "p99_ms": round(percentile(lags, 99) * 1000, 1), "max_ms": round(max(lags) * 1000, 1)}


def api_latency(workdir, days, devices, remotes, requests):
    db = os.path.join(workdir, "history.db")
    hist = json.loads(subprocess.run([BENCH, "history", "--db", db, "--days", str(days), "--devices", str(devices),
                                      "--remotes", str(remotes)], stdout=subprocess.PIPE, text=True, check=True).stdout)
    ctl = Controller(db)
    end = 1_767_225_600
    times, sizes = [], []
    try:
        macs = [f"02:00:00:00:{d >> 8:02x}:{d & 0xff:02x}" for d in range(devices)]
        # The store holds traffic but no device documents (the history tool
        # writes traffic only); destinations need a known device.
        con = sqlite3.connect(db)
        con.executemany("INSERT OR IGNORE INTO devices (mac, first_seen, last_seen, doc) VALUES (?, 0, 0, ?)",
                        [(m, json.dumps({"mac": m})) for m in macs])
        con.commit()
        con.close()
        random.seed(3)
        for i in range(requests):
            mac = random.choice(macs)
            url = f"{ctl.url}/devices/{mac}/destinations?from={end - days * 86400}&to={end}"
            t0 = time.perf_counter()
            body = get(url)
            times.append(time.perf_counter() - t0)
            sizes.append(len(body["destinations"]))
    finally:
        ctl.stop()
    return {"history": hist, "requests": requests, "destinations_per_answer": statistics.median(sizes),
            "median_ms": round(statistics.median(times) * 1000, 2), "p99_ms": round(percentile(times, 99) * 1000, 2)}


def run(workdir, quick, log):
    out = {}
    log("controller: ingest in process")
    out["in_process"] = ingest_in_process(1_000_000 if quick else 4_000_000, 1 if quick else 5)
    out["in_process_open"] = ingest_in_process(1_000_000 if quick else 4_000_000, 1 if quick else 5, 100_000)
    log("controller: ingest from a synthetic agent over TCP")
    out["process"] = ingest_process(workdir, 2000 if quick else 8000)
    log("controller: lag from a flow's end to the API")
    out["lag"] = lag(workdir, 4 if quick else 20)
    log("controller: API latency over 30 days of history")
    out["api"] = api_latency(workdir, 30, 50, 10 if quick else 40, 50 if quick else 300)
    return out


def evaluate(c):
    best = min(max(c["in_process"]["records_per_s"]), max(c["in_process_open"]["records_per_s"]))
    proc = c["process"]["records_per_s"] or 0
    return [{"target": f">= {TARGET_RECORDS_PER_S:,} digest records / s on one controller core (in process, "
                       "the slower of the two record mixes)",
             "value": round(best), "met": best >= TARGET_RECORDS_PER_S,
             "shortfall": None if best >= TARGET_RECORDS_PER_S else TARGET_RECORDS_PER_S - round(best)},
            {"target": f">= {TARGET_RECORDS_PER_S:,} digest records / s absorbed by spin-controller over TCP",
             "value": proc, "met": proc >= TARGET_RECORDS_PER_S,
             "shortfall": None if proc >= TARGET_RECORDS_PER_S else TARGET_RECORDS_PER_S - proc}]


def markdown(c):
    p, lg, api = c["process"], c["lag"], c["api"]
    lines = ["## Controller", ""]
    for key, what in (("in_process", "whole flows, one end record each"),
                      ("in_process_open", "start, 2 updates, end per flow, 100,000 flows open")):
        ip = c[key]
        rates = ip["records_per_s"]
        lines.append(f"- Ingest in process (decode + record on one core; {what}): "
                     f"{statistics.median(rates) / 1e6:.2f} M records/s "
                     f"[{min(rates) / 1e6:.2f} – {max(rates) / 1e6:.2f}], "
                     f"{statistics.median(ip['ns_per_record']):.0f} ns per record.")
    lines += [
             f"- spin-controller from a synthetic agent over TCP: {p['records_received']:,} "
             f"of {p['records_sent']:,} records "
             f"in {p['seconds']} s = {(p['records_per_s'] or 0) / 1e6:.2f} M records/s; {p['cpu_seconds']} CPU s "
             f"(all threads) = {(p['records_per_cpu_s'] or 0) / 1e6:.2f} M records per CPU second; "
             f"{p['batches_lost']} batches lost; {p['records_stored']:,} records in the store.",
             f"- Lag from a batch's sending to its records in GET .../destinations: median {lg.get('median_ms')} ms, "
             f"p99 {lg.get('p99_ms')} ms, max {lg.get('max_ms')} ms ({lg.get('samples')} batches; "
             f"store.flush_interval 0.5 s).",
             f"- GET /api/v1/devices/{{mac}}/destinations over {api['history']['days']} days, "
             f"{api['history']['devices']} devices × {api['history']['remotes']} remotes "
             f"({api['history']['traffic_rows_written']:,} hour-level rows written): "
             f"median {api['median_ms']} ms, p99 {api['p99_ms']} ms over {api['requests']} requests "
             f"({api['destinations_per_answer']} destinations per answer).", ""]
    return lines
