#!/usr/bin/env python3
"""Runs the benchmarks of docs/benchmarks.md and writes the report.

Measurements, all on the same machine in one run:
  1. whole process: the same capture looped in memory (net_pcap infinite_rx=1)
     into port 0, a dropping net_null port 1, through dpdk-testpmd io forwarding
     and through spin-agent's full pipeline, alternating A B A B;
  2. the same at 1K, 100K and 1M distinct flows, with resident memory;
  3. in process: spin-worker-bench (Google Benchmark) ns and TSC cycles per
     packet, and callgrind's instruction count per packet;
  4. peers: ndpiReader and softflowd reading the same capture from file;
  4b. hash flooding: spin-agent on a capture of flows crafted to share one
     hash under the flow index's former CRC32C, against random flows of the
     same size and shape, alternating (docs/security.md);
  4c. DNS-answer flood: the agent's control loop (spin-control-bench) on
     answers of 90 A records for 16 devices with DNS-name rules, commits
     paced against one after every round, and without rules;
  5. the controller (controller_bench.py): digest records ingested per
     second, lag to the API, API latency over a month of history.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import controller_bench  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build-bench")
AGENT = os.path.join(BUILD, "src/agent/spin-agent")
PCAPGEN = os.path.join(BUILD, "tools/pcapgen/spin-pcapgen")
WORKER_BENCH = os.path.join(BUILD, "tools/bench/spin-worker-bench")
CONTROL_BENCH = os.path.join(BUILD, "tools/bench/spin-control-bench")
TARGET_RATIO = 0.8
TARGET_CYCLES = 150
TARGET_PEER_FACTOR = 10


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def telemetry(prefix, cmd):
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(2)
        s.connect(path)
        s.recv(16384)
        s.send(cmd.encode())
        reply = json.loads(s.recv(1 << 20))
    return next(iter(reply.values()))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def measure_process(cmd, prefix, duration, warmup):
    """Starts a DPDK process, waits for packets to flow, and measures port 0's
    receive rate over `duration` seconds through the telemetry socket."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while True:
            if p.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited {p.returncode}: {p.stderr.read()[-2000:]}")
            try:
                if telemetry(prefix, "/ethdev/stats,0")["ipackets"] > 0:
                    break
            except (OSError, ValueError, KeyError, TypeError, StopIteration):
                pass
            if time.time() > deadline:
                raise RuntimeError(f"{cmd[0]}: no packets after 120 s")
            time.sleep(0.1)
        time.sleep(warmup)
        a, ta = telemetry(prefix, "/ethdev/stats,0")["ipackets"], time.monotonic()
        time.sleep(duration)
        b, tb = telemetry(prefix, "/ethdev/stats,0")["ipackets"], time.monotonic()
        out1 = telemetry(prefix, "/ethdev/stats,1")["opackets"]
        memory = rss_mib(p.pid)
        return (b - a) / (tb - ta), memory, out1
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def put(entry, name, values, digits=1):
    med, lo, hi = stats(values)
    entry[name] = None if med is None else round(med, digits)
    entry[name + "_min"] = None if lo is None else round(lo, digits)
    entry[name + "_max"] = None if hi is None else round(hi, digits)


def count_packets(pcap):
    size = os.path.getsize(pcap)
    n, off = 0, 24
    with open(pcap, "rb") as f:
        while off < size:
            f.seek(off + 8)
            caplen = int.from_bytes(f.read(4), "little")
            off += 16 + caplen
            n += 1
    return n


def make_capture(workdir, flows, size, max_packets):
    packets = max(1, max_packets // flows)
    path = os.path.join(workdir, f"flows-{flows}-{size}.pcap")
    if not os.path.exists(path):
        subprocess.run([PCAPGEN, "flows", "--flows", str(flows), "--packets", str(packets), "--size", size,
                        "--out-lan", path], check=True, stdout=subprocess.DEVNULL)
    return path, flows * packets


def process_round(workdir, pcap, npackets, flows, duration, warmup, order):
    mbufs = npackets + 32768
    memory_mb = int(64 + mbufs * 2560 * 2 / (1 << 20))
    results = {}
    for name in order:
        prefix = f"spin-bench-{name}-{os.getpid()}"
        if name == "testpmd":
            cmd = ["dpdk-testpmd", "-l", "0,1", "--no-huge", "--no-pci", "--no-shconf", "-m", str(memory_mb),
                   f"--file-prefix={prefix}", "--log-level=*:warning",
                   "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--vdev", "net_null0,no-rx=1",
                   "--", "--forward-mode=io", f"--total-num-mbufs={mbufs}", "--nb-cores=1", "--stats-period=10"]
        else:
            config = os.path.join(workdir, f"agent-{flows}.yaml")
            with open(config, "w") as f:
                f.write(f"""agent: {{id: bench}}
workers: 1
ports: {{mbufs: {mbufs}}}
eal: {{file_prefix: {prefix}, memory_mb: {memory_mb}, cpus: [0, 1], log_level: warning}}
flows: {{capacity: {max(1_000_000, flows + flows // 4)}}}
digests: {{publish: "ipc://{workdir}/digests-{os.getpid()}", update_interval: 1}}
idle: {{sleep_us: 0}}
blocks:
""")
                for i in range(32):
                    f.write(f"  - {{type: global, remote: 203.0.{i}.0/24}}\n")
                    f.write(f"  - {{type: quarantine, mac: '02:00:00:00:01:{i:02x}'}}\n")
            cmd = [AGENT, "--config", config, "--lan", f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
                   "--wan", "net_null0,no-rx=1"]
        pps, memory, _ = measure_process(cmd, prefix, duration, warmup)
        results[name] = (pps, memory)
        log(f"  {name:8s} {flows:>8} flows: {pps / 1e6:6.2f} Mpps, RSS {memory:.0f} MiB")
    return results


FLOOD_FLOWS = 32768


def flood_rows(workdir, rounds, duration, warmup):
    """The agent's forwarding rate on the crafted collision capture against a
    random one of the same size and shape, alternating A B A B."""
    caps = {}
    for kind in ("crafted", "random"):
        caps[kind] = os.path.join(workdir, f"flood-{kind}.pcap")
        subprocess.run([PCAPGEN, "flood", "--flows", str(FLOOD_FLOWS), "--packets", "4", "--out-lan", caps[kind]]
                       + (["--random"] if kind == "random" else []), check=True, stdout=subprocess.DEVNULL)
    npackets = FLOOD_FLOWS * 4
    pps = {"crafted": [], "random": []}
    for r in range(rounds):
        for kind in (("crafted", "random") if r % 2 == 0 else ("random", "crafted")):
            res = process_round(workdir, caps[kind], npackets, FLOOD_FLOWS, duration, warmup, ["spin"])
            pps[kind].append(res["spin"][0])
            log(f"  flood   {kind}")
    e = {"flows": FLOOD_FLOWS, "packets_in_capture": npackets}
    put(e, "crafted_pps", pps["crafted"], 0)
    put(e, "random_pps", pps["random"], 0)
    put(e, "ratio", [c / r for c, r in zip(pps["crafted"], pps["random"])], 3)
    return e


DNS_FLOOD_MODES = {"paced": ["--rules"], "every_round": ["--rules", "--commit-every-round"], "no_rules": []}


def dns_flood_rows(rounds, answers):
    """The control loop under a DNS-answer flood, each mode once per round,
    in rotating order."""
    runs = {mode: [] for mode in DNS_FLOOD_MODES}
    modes = list(DNS_FLOOD_MODES)
    for r in range(rounds):
        for mode in modes[r % 3:] + modes[:r % 3]:
            out = subprocess.run([CONTROL_BENCH, "--devices", "16", "--records", "90", "--answers", str(answers),
                                  *DNS_FLOOD_MODES[mode]], stdout=subprocess.PIPE, text=True, check=True).stdout
            runs[mode].append(json.loads(out))
            log(f"  dns flood {mode}: {runs[mode][-1]['answers_per_s']:.0f} answers/s")
    e = {"answers": answers, "devices": 16, "records": 90}
    for mode, rs in runs.items():
        m = {}
        for k in ("answers_per_s", "commits", "commit_share", "commit_max_us", "longest_round_us"):
            put(m, k, [x[k] for x in rs], 3 if k == "commit_share" else 0)
        m["learnt"] = rs[0]["learnt"]
        m["learnt_dropped"] = rs[0]["learnt_dropped"]
        e[mode] = m
    put(e, "paced_over_every_round",
        [a["answers_per_s"] / b["answers_per_s"] for a, b in zip(runs["paced"], runs["every_round"])], 2)
    return e


def worker_bench(flows_list, repetitions, min_time):
    out = subprocess.run([WORKER_BENCH, "--benchmark_format=json", f"--benchmark_min_time={min_time}",
                          f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=false"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    data = json.loads(out)
    per = {f: {"ns": [], "cycles": [], "mud_ns": [], "mud_cycles": []} for f in flows_list}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        _, f, mud = b["name"].split("/")[:3]
        prefix = "mud_" if mud == "1" else ""
        if int(f) in per:
            per[int(f)][prefix + "ns"].append(1e9 / b["items_per_second"])
            per[int(f)][prefix + "cycles"].append(b["tsc_cycles_per_packet"])
    return per, data.get("context", {})


def instructions_per_packet(flows, packets, mud=False):
    if shutil.which("valgrind") is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        p = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                            WORKER_BENCH, "--instructions", str(flows), str(packets)] +
                           (["--mud", "--reflex"] if mud else []),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        m = re.search(r"Collected : (\d+)", p.stderr)
        n = re.search(r"packets (\d+)", p.stdout)
        if p.returncode != 0 or not m or not n:
            log(f"callgrind failed: {p.stderr[-500:]}")
            return None
        return int(m.group(1)) / int(n.group(1))


def time_run(cmd):
    t = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - t


def peer_pps(tool, pcap, npackets, tiny):
    """Packets per second of a peer reading the capture from file, with its
    start-up time (measured on a one-packet capture) taken out."""
    if tool == "ndpiReader":
        exe = shutil.which("ndpiReader")
        cmd = lambda f: [exe, "-i", f, "-q"]
    else:
        exe = shutil.which("softflowd")
        # Exports go to a discard port on loopback; nothing listens.
        cmd = lambda f: [exe, "-r", f, "-n", "127.0.0.1:9", "-D"]
    if exe is None:
        return None
    base = time_run(cmd(tiny))
    took = time_run(cmd(pcap)) - base
    return npackets / took if took > 0 else None


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one short round (CI's check), under 3 minutes")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-results"))
    ap.add_argument("--only", choices=["dataplane", "controller"], help="run one half of the benchmark")
    args = ap.parse_args()

    flows_list = [1000, 100_000, 1_000_000]
    if args.quick:
        rounds, duration, warmup, max_packets, reps, min_time, cg_packets = 1, 1.5, 0.5, 1_000_000, 1, 0.2, 50_000
        sizes = ["64"]
    else:
        rounds, duration, warmup, max_packets, reps, min_time, cg_packets = 5, 5.0, 1.0, 1_000_000, 5, 1.0, 200_000
        sizes = ["64", "mix"]
    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="spin-bench-")
    os.environ["STATE_DIRECTORY"] = workdir  # the agents' rules in force stay with this run
    started = time.time()
    tiny = os.path.join(workdir, "tiny.pcap")
    subprocess.run([PCAPGEN, "flows", "--flows", "1", "--packets", "1", "--out-lan", tiny], check=True)

    dataplane = args.only != "controller"
    per, gb_context = {}, {}
    if dataplane:
        log("in-process worker benchmark")
        per, gb_context = worker_bench(flows_list, reps, min_time)
    report = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "quick": args.quick,
              "machine": machine(), "rounds": rounds, "duration_s": duration,
              "tsc_mhz": gb_context.get("mhz_per_cpu"), "results": [], "results_mix": []}
    for size in (sizes if dataplane else []):
        for flows in flows_list:
            pcap, npackets = make_capture(workdir, flows, size, max_packets)
            log(f"{flows} flows, {size}-byte frames, {npackets} packets looped")
            spin, testpmd, ratio, spin_mem, tp_mem = [], [], [], [], []
            for r in range(rounds):
                order = ["testpmd", "spin"] if r % 2 == 0 else ["spin", "testpmd"]
                res = process_round(workdir, pcap, npackets, flows, duration, warmup, order)
                spin.append(res["spin"][0])
                testpmd.append(res["testpmd"][0])
                ratio.append(res["spin"][0] / res["testpmd"][0])
                spin_mem.append(res["spin"][1])
                tp_mem.append(res["testpmd"][1])
            e = {"flows": flows, "frame_size": size, "packets_in_capture": npackets}
            put(e, "spin_pps", spin, 0)
            put(e, "testpmd_pps", testpmd, 0)
            put(e, "ratio", ratio, 3)
            if size == "64":
                put(e, "cycles_per_packet", per[flows]["cycles"], 1)
                put(e, "ns_per_packet", per[flows]["ns"], 1)
                ipp = instructions_per_packet(flows, cg_packets)
                e["instructions_per_packet"] = None if ipp is None else round(ipp, 1)
                e["instructions_per_packet_min"] = e["instructions_per_packet_max"] = e["instructions_per_packet"]
                # The same with a 201-entry MUD policy in enforce mode on the device and the reflex on.
                put(e, "mud_cycles_per_packet", per[flows]["mud_cycles"], 1)
                mud = instructions_per_packet(flows, cg_packets, mud=True)
                e["mud_instructions_per_packet"] = None if mud is None else round(mud, 1)
            put(e, "rss_mib", spin_mem, 0)
            put(e, "testpmd_rss_mib", tp_mem, 0)
            e["_spin_mem"] = spin_mem
            peers = {}
            for tool in ("ndpiReader", "softflowd"):
                vals = [peer_pps(tool, pcap, npackets, tiny) for _ in range(1 if args.quick else 3)]
                put(peers, f"{tool}_pps", vals, 0)
            e["peers"] = peers
            (report["results"] if size == "64" else report["results_mix"]).append(e)
    for rows in (report["results"], report["results_mix"]):
        per_flow_memory(rows)
    if dataplane:
        log(f"hash flooding: {FLOOD_FLOWS} crafted flows against random ones")
        report["hash_flood"] = flood_rows(workdir, rounds, duration, warmup)
        log("DNS-answer flood: the control loop")
        report["dns_flood"] = dns_flood_rows(rounds, 5000 if args.quick else 20000)
    if args.only != "dataplane":
        report["controller"] = controller_bench.run(workdir, args.quick, log)
    report["elapsed_s"] = round(time.time() - started, 1)
    report["targets"] = evaluate(report["results"]) if report["results"] else []
    if "controller" in report:
        report["targets"] += controller_bench.evaluate(report["controller"])
    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H-%M-%SZ")
    path = os.path.join(args.out, f"{stamp}.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    md = markdown(report)
    with open(os.path.join(args.out, f"{stamp}.md"), "w") as f:
        f.write(md)
    print(md)
    print(f"report: {path}")
    shutil.rmtree(workdir, ignore_errors=True)


def per_flow_memory(rows):
    """Bytes per flow: the agent's resident memory above its smallest flow
    count, over the extra flows.  Every capture of a size class holds the same
    number of packets, so the mbufs that hold it cancel out."""
    if not rows:
        return
    base = rows[0]
    for e in rows:
        mem = e.pop("_spin_mem")
        if e is base:
            base_mem = mem
            put(e, "bytes_per_flow", [], 0)
            continue
        extra = e["flows"] - base["flows"]
        put(e, "bytes_per_flow", [(m - b) * (1 << 20) / extra for m, b in zip(mem, base_mem)], 0)


def evaluate(results):
    at = {e["flows"]: e for e in results}
    big = at.get(1_000_000) or results[-1]
    out = []
    if big.get("ratio") is not None:
        out.append({"target": f"spin / testpmd >= {TARGET_RATIO} at {big['flows']} flows", "value": big["ratio"],
                    "met": big["ratio"] >= TARGET_RATIO,
                    "shortfall": None if big["ratio"] >= TARGET_RATIO else round(TARGET_RATIO - big["ratio"], 3)})
    if big.get("cycles_per_packet") is not None:
        c = big["cycles_per_packet"]
        out.append({"target": f"<= {TARGET_CYCLES} cycles per packet in process at {big['flows']} flows",
                    "value": c, "met": c <= TARGET_CYCLES,
                    "shortfall": None if c <= TARGET_CYCLES else round(c - TARGET_CYCLES, 1)})
    for tool in ("ndpiReader", "softflowd"):
        worst = None
        for e in results:
            peer = e["peers"].get(f"{tool}_pps")
            if peer and e.get("spin_pps"):
                f = e["spin_pps"] / peer
                worst = f if worst is None else min(worst, f)
        if worst is not None:
            out.append({"target": f">= {TARGET_PEER_FACTOR} x {tool} pps", "value": round(worst, 1),
                        "met": worst >= TARGET_PEER_FACTOR,
                        "shortfall": None if worst >= TARGET_PEER_FACTOR else round(TARGET_PEER_FACTOR - worst, 1)})
    return out


def fmt(v, scale=1, digits=2):
    return "–" if v is None else f"{v / scale:.{digits}f}"


def span(e, name, scale=1, digits=2):
    lo, hi = fmt(e[name + "_min"], scale, digits), fmt(e[name + "_max"], scale, digits)
    return f"{fmt(e[name], scale, digits)} [{lo} – {hi}]"


def markdown(r):
    m = r["machine"]
    lines = [f"# SPIN benchmark {r['date']}{' (quick)' if r['quick'] else ''}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}. "
             f"{r['rounds']} round(s) of {r['duration_s']} s per measurement; figures are median [min – max].", ""]
    for title, rows in (("64-byte frames", r["results"]), ("Realistic mix (IMIX-like)", r["results_mix"])):
        if not rows:
            continue
        lines += [f"## {title}", "",
                  "| flows | spin-agent Mpps | testpmd io Mpps | ratio | cycles/pkt | ns/pkt | instr/pkt | RSS MiB "
                  "| bytes/flow | ndpiReader Mpps | softflowd Mpps |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for e in rows:
            p = e["peers"]
            lines.append(
                f"| {e['flows']:,} | {fmt(e['spin_pps'], 1e6)} "
                f"[{fmt(e['spin_pps_min'], 1e6)} – {fmt(e['spin_pps_max'], 1e6)}]"
                f" | {fmt(e['testpmd_pps'], 1e6)} [{fmt(e['testpmd_pps_min'], 1e6)} – {fmt(e['testpmd_pps_max'], 1e6)}]"
                f" | {fmt(e['ratio'], 1, 3)} [{fmt(e['ratio_min'], 1, 3)} – {fmt(e['ratio_max'], 1, 3)}]"
                f" | {fmt(e.get('cycles_per_packet'), 1, 0)} | {fmt(e.get('ns_per_packet'), 1, 1)}"
                f" | {fmt(e.get('instructions_per_packet'), 1, 0)} | {fmt(e['rss_mib'], 1, 0)}"
                f" | {fmt(e['bytes_per_flow'], 1, 0)}"
                f" | {fmt(p.get('ndpiReader_pps'), 1e6, 3)} | {fmt(p.get('softflowd_pps'), 1e6, 3)} |")
        lines.append("")
        if rows and "mud_instructions_per_packet" in rows[0]:
            lines += ["With a 201-entry MUD policy in enforce mode on the device (every new flow tries all "
                      "201 entries; packets then use the verdict cached in the flow) and the Mirai reflex in "
                      "quarantine mode:", "",
                      "| flows | cycles/pkt | with MUD and reflex | instr/pkt | with MUD and reflex |",
                      "|---|---|---|---|---|"]
            for e in rows:
                lines.append(f"| {e['flows']:,} | {fmt(e.get('cycles_per_packet'), 1, 0)} "
                             f"| {fmt(e.get('mud_cycles_per_packet'), 1, 0)} "
                             f"| {fmt(e.get('instructions_per_packet'), 1, 0)} "
                             f"| {fmt(e.get('mud_instructions_per_packet'), 1, 0)} |")
            lines.append("")
    if "hash_flood" in r:
        f = r["hash_flood"]
        lines += ["## Hash flooding", "",
                  f"{f['flows']:,} TCP flows from one device whose keys share one hash under the flow index's former "
                  "CRC32C, against random flows of the same shape (`spin-pcapgen flood`), looped.", "",
                  "| crafted Mpps | random Mpps | crafted / random |", "|---|---|---|",
                  f"| {span(f, 'crafted_pps', 1e6)} | {span(f, 'random_pps', 1e6)} | {span(f, 'ratio', 1, 3)} |", ""]
    if "dns_flood" in r:
        d = r["dns_flood"]
        lines += ["## DNS-answer flood", "",
                  f"{d['answers']:,} answers of {d['records']} new A records each, for {d['devices']} devices, "
                  "through the agent's control loop in process (`spin-control-bench`): slow-path parsing and "
                  "matching, learning, block-table commits with a worker on the RCU.", "",
                  "| | answers/s | commits | share of time in commits | longest commit µs | longest round µs "
                  "| addresses learnt (dropped by the caps) |",
                  "|---|---|---|---|---|---|---|"]
        for mode, label in (("paced", "DNS-name rules, paced commits"),
                            ("every_round", "DNS-name rules, a commit every round"),
                            ("no_rules", "no rules")):
            x = d[mode]
            lines.append(f"| {label} | {span(x, 'answers_per_s', 1, 0)} | {fmt(x['commits'], 1, 0)} "
                         f"| {span(x, 'commit_share', 1, 3)} | {span(x, 'commit_max_us', 1, 0)} "
                         f"| {span(x, 'longest_round_us', 1, 0)} | {x['learnt']:,} ({x['learnt_dropped']:,}) |")
        lines += ["", f"Paced over every round: {span(d, 'paced_over_every_round', 1, 2)} × the answers per second.",
                  ""]
    if "controller" in r:
        lines += controller_bench.markdown(r["controller"])
    lines += ["## Targets (SPEC 7)", ""]
    for t in r["targets"]:
        verdict = "met" if t["met"] else f"missed by {t['shortfall']}"
        lines.append(f"- {t['target']}: {t['value']} — {verdict}")
    lines += ["", f"Run took {r['elapsed_s']} s. Cycles are TSC cycles (ns × TSC rate); instructions from callgrind.",
              ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
