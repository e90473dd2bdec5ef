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
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import controller_bench  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build-bench")
AGENT = os.path.join(BUILD, "src/agent/spin-agent")
PCAPGEN = os.path.join(BUILD, "tools/pcapgen/spin-pcapgen")
WORKER_BENCH = os.path.join(BUILD, "tools/bench/spin-worker-bench")
CONTROL_BENCH = os.path.join(BUILD, "tools/bench/spin-control-bench")
TARGET_RATIO = 0.8
TARGET_CYCLES = 100
TARGET_INSTRUCTIONS = 150
TARGET_BYTES_PER_FLOW = 128
TARGET_FLOOD_RATIO = 0.9
TARGET_SPEEDUP_2 = 1.8  # issue 16: near-linear over workers
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


STAGES = ("rx", "parse", "lookup", "meter", "tx", "after")


def measure_process(cmd, prefix, duration, warmup, flows=None):
    """Starts a DPDK process, waits for packets to flow, and measures port 0's
    receive rate over `duration` seconds through the telemetry socket.

    With `flows` (the agent), the measured interval starts only once the flow
    table holds that many flows (a steady state, not the table filling up),
    and the time it took from the first packet gives flows created per
    second; the agent's own stage counters over the interval give its cycles
    per packet by stage."""
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
        extra = {}
        if flows is not None:
            t0 = time.monotonic()
            while (telemetry(prefix, "/spin/stats") or {}).get("flows_active", 0) < flows:  # null until it runs
                if time.monotonic() - t0 > 120:
                    raise RuntimeError(f"{cmd[0]}: fewer than {flows} flows after 120 s")
                time.sleep(0.02)
            extra["flows_created_per_s"] = flows / max(time.monotonic() - t0, 0.02)
        time.sleep(warmup)
        stage0 = telemetry(prefix, "/spin/stats") if flows is not None else None
        a, ta = telemetry(prefix, "/ethdev/stats,0")["ipackets"], time.monotonic()
        time.sleep(duration)
        b, tb = telemetry(prefix, "/ethdev/stats,0")["ipackets"], time.monotonic()
        if stage0 is not None:
            stage1 = telemetry(prefix, "/spin/stats")
            timed = max(1, stage1["timed_pkts"] - stage0["timed_pkts"])
            extra["stages"] = {st: (stage1[f"cycles_{st}"] - stage0[f"cycles_{st}"]) / timed for st in STAGES}
        out1 = telemetry(prefix, "/ethdev/stats,1")["opackets"]
        memory = rss_mib(p.pid)
        return (b - a) / (tb - ta), memory, out1, extra
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


def make_capture(workdir, flows, size, max_packets, order="sequential"):
    """A capture of `flows` flows visited in `order`; returns its path, its
    packet count and how many distinct flows it holds (a Zipf order leaves
    some of the flows out)."""
    packets = max(1, max_packets // flows)
    path = os.path.join(workdir, f"flows-{flows}-{size}-{order}.pcap")
    out = subprocess.run([PCAPGEN, "flows", "--flows", str(flows), "--packets", str(packets), "--size", size,
                          "--order", order, "--out-lan", path], check=True, stdout=subprocess.PIPE, text=True).stdout
    distinct = int(re.search(r"distinct flows (\d+)", out).group(1))
    return path, flows * packets, distinct


def process_round(workdir, pcap, npackets, flows, duration, warmup, order, distinct=None):
    """One run of each program in `order`; returns {name: (pps, rss, extra)}.
    pcap: a capture, or a list of them (one receive queue and one worker or
    forwarding core each, as RSS would spread flows over a NIC's queues)."""
    pcaps = pcap if isinstance(pcap, list) else [pcap]
    queues = len(pcaps)
    mbufs = npackets + 32768 * queues
    memory_mb = int(64 + mbufs * 2560 * 2 / (1 << 20))
    lan = "net_pcap0," + ",".join(f"rx_pcap={x}" for x in pcaps) + ",infinite_rx=1"
    # Lcore 0 (main / control) and one per queue, over the CPUs there are
    # (with two CPUs and two queues, the second shares the main lcore's CPU).
    cpus = sorted(os.sched_getaffinity(0))
    lcores = ",".join(f"{i}@{cpus[i % len(cpus)]}" for i in range(queues + 1))
    results = {}
    for name in order:
        prefix = f"spin-bench-{name}-{os.getpid()}"
        if name == "testpmd":
            cmd = ["dpdk-testpmd", f"--lcores={lcores}", "--no-huge", "--no-pci", "--no-shconf", "-m", str(memory_mb),
                   f"--file-prefix={prefix}", "--log-level=*:warning",
                   "--vdev", lan, "--vdev", "net_null0,no-rx=1",
                   "--", "--forward-mode=io", f"--total-num-mbufs={mbufs}", f"--nb-cores={queues}",
                   f"--rxq={queues}", f"--txq={queues}", "--stats-period=10"]
        else:
            config = os.path.join(workdir, f"agent-{flows}.yaml")
            with open(config, "w") as f:
                f.write(f"""agent: {{id: bench}}
workers: {queues}
ports: {{mbufs: {mbufs}}}
eal: {{file_prefix: {prefix}, memory_mb: {memory_mb}, cpus: {cpus[:queues + 1]}, log_level: warning}}
flows: {{capacity: {max(1_000_000, flows + flows // 4)}}}
digests: {{publish: "ipc://{workdir}/digests-{os.getpid()}", update_interval: 1}}
idle: {{sleep_us: 0}}
reflex: {{mirai: {{mode: quarantine}}}}
blocks:
""")
                for i in range(32):
                    f.write(f"  - {{type: global, remote: 203.0.{i}.0/24}}\n")
                    f.write(f"  - {{type: quarantine, mac: '02:00:00:00:01:{i:02x}'}}\n")
                f.write(mud_policy_rule())
            cmd = [AGENT, "--config", config, "--lan", lan, "--wan", "net_null0,no-rx=1"]
        pps, memory, _, extra = measure_process(cmd, prefix, duration, warmup,
                                                None if name == "testpmd" else distinct)
        results[name] = (pps, memory, extra)
        log(f"  {name:8s} {flows:>8} flows: {pps / 1e6:6.2f} Mpps, RSS {memory:.0f} MiB")
    return results


def mud_policy_rule():
    """A MUD policy in enforce mode for the device every benchmark flow comes
    from (spin-pcapgen's 02:53:50:49:4e:21), as big as the biggest shared
    profile: 200 entries that never match the traffic, then two that allow it
    (each way), so every new flow tries them all and packets use the verdict
    cached in the flow.  The same policy as spin-worker-bench's."""
    entries = []
    for i in range(200):
        entries.append(f"{{acl: bench, ace: 'no{i}', action: accept, toward: {'device' if i & 1 else 'remote'}, "
                       f"proto: {17 if i & 2 else 6}, remotes: ['203.0.{i}.0/24'], "
                       f"remote_port: {{lower: {8000 + i}, upper: {8000 + i}}}}}")
    for toward in ("remote", "device"):
        entries.append(f"{{acl: bench, ace: 'all-{toward}', action: accept, toward: {toward}, "
                       "remotes: ['198.18.0.0/16', '2001:db8:ffff::/48']}")
    return ("  - {type: device_policy, mac: '02:53:50:49:4e:21', policy: {mode: enforce, entries: [\n      "
            + ",\n      ".join(entries) + "]}}\n")


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


def split_capture(path, parts):
    """The capture's packets in `parts` files, each flow's in one (by its
    addresses and ports, as a NIC's RSS hash would put them); returns the paths."""
    with open(path, "rb") as f:
        data = f.read()
    outs = [bytearray(data[:24]) for _ in range(parts)]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        frame = data[off + 16:off + 16 + incl]
        # Untagged IPv4 (what spin-pcapgen flows writes by default): the two ends, in either order.
        ends = sorted([frame[26:30] + frame[34:36], frame[30:34] + frame[36:38]])
        outs[zlib.crc32(ends[0] + ends[1]) % parts] += data[off:off + 16 + incl]
        off += 16 + incl
    paths = []
    for i, out in enumerate(outs):
        paths.append(f"{path[:-5]}-q{i}.pcap")
        with open(paths[-1], "wb") as f:
            f.write(out)
    return paths


def scaling_rows(workdir, flows, max_packets, rounds, duration, warmup):
    """The agent and testpmd with one worker (forwarding core) and with two,
    each on its own receive queue fed half the flows: how near linear the
    agent scales, beside how plain forwarding does on the same vdevs."""
    pcap, npackets, distinct = make_capture(workdir, flows, "64", max_packets, "random")
    halves = split_capture(pcap, 2)
    log(f"scaling: {flows} flows, random order, 1 and 2 workers on {len(os.sched_getaffinity(0))} CPUs")
    pps = {(name, w): [] for name in ("spin", "testpmd") for w in (1, 2)}
    for r in range(rounds):
        for w in ((1, 2) if r % 2 == 0 else (2, 1)):
            res = process_round(workdir, pcap if w == 1 else halves, npackets, flows, duration, warmup,
                                ["testpmd", "spin"] if r % 2 == 0 else ["spin", "testpmd"], distinct)
            for name in ("spin", "testpmd"):
                pps[(name, w)].append(res[name][0])
    e = {"flows": flows, "order": "random", "distinct_flows": distinct, "cpus": len(os.sched_getaffinity(0))}
    for w in (1, 2):
        put(e, f"spin_{w}w_pps", pps[("spin", w)], 0)
        put(e, f"testpmd_{w}c_pps", pps[("testpmd", w)], 0)
    put(e, "spin_speedup", [b / a for a, b in zip(pps[("spin", 1)], pps[("spin", 2)])], 3)
    put(e, "testpmd_speedup", [b / a for a, b in zip(pps[("testpmd", 1)], pps[("testpmd", 2)])], 3)
    put(e, "ratio_2", [a / b for a, b in zip(pps[("spin", 2)], pps[("testpmd", 2)])], 3)
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


ORDERS = {"sequential": 0, "random": 1, "zipf": 2}
WORKER_STAGES = ("parse", "lookup", "meter", "after")


def worker_bench(repetitions, min_time, orders):
    """spin-worker-bench's Google Benchmark runs: {(flows, order): {"": {...}, "mud_": {...}}}
    for the steady state in the given orders, and the worst cases by name."""
    steady = "|".join(f"BM_Steady/[0-9]+/[01]/{ORDERS[o]}$" for o in orders)
    out = subprocess.run([WORKER_BENCH, "--benchmark_format=json", f"--benchmark_min_time={min_time}",
                          f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=false",
                          f"--benchmark_filter={steady}|BM_Shape|BM_NewFlows|BM_YoungFullTable|BM_Publish"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    data = json.loads(out)
    steady, worst = {}, {}
    order_names = {v: k for k, v in ORDERS.items()}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        parts = b["name"].split("/")
        fig = {"ns": b["ns_per_packet"], "cycles": b["tsc_cycles_per_packet"],
               "stages": {st: b[f"stage_{st}"] for st in WORKER_STAGES},
               "flows_created_per_s": b["flows_created_per_s"], "untracked_share": b["untracked_share"]}
        if parts[0] == "BM_Steady":
            key = (int(parts[1]), order_names[int(parts[3])])
            steady.setdefault(key, {}).setdefault("mud_" if parts[2] == "1" else "", []).append(fig)
        else:
            worst.setdefault("/".join(p for p in parts if not p.startswith("iterations")), []).append(fig)
    return steady, worst, data.get("context", {})


def median_figures(figs):
    """Median of each figure over repetitions, with min and max."""
    e = {}
    put(e, "ns_per_packet", [f["ns"] for f in figs], 1)
    put(e, "cycles_per_packet", [f["cycles"] for f in figs], 1)
    e["stages"] = {st: round(statistics.median(f["stages"][st] for f in figs), 1) for st in WORKER_STAGES}
    e["flows_created_per_s"] = round(statistics.median(f["flows_created_per_s"] for f in figs))
    e["untracked_share"] = round(statistics.median(f["untracked_share"] for f in figs), 3)
    return e


WORST_CASES = {
    "BM_Shape/1000000/1": "IPv6, 1M flows, random order",
    "BM_Shape/1000000/2": "802.1Q-tagged IPv4, 1M flows, random order",
    "BM_Shape/1000000/3": "IMIX-like sizes, 1M flows, random order",
    "BM_NewFlows/1000000/0/0": "a new flow on every packet, table with room",
    "BM_NewFlows/1000000/0/1": "a new flow on every packet, table with room, policy entries naming port ranges "
                               "and no protocol (every entry tried)",
    "BM_NewFlows/1000000/1/0": "a new flow on every packet, full table (each evicts one)",
    "BM_YoungFullTable/1000000": "a new flow on every packet, full table of flows too young to evict",
    "BM_Publish/1000000": "block tables published every 10 ms, 1M flows, random order",
}


def callgrind(flows, packets, order="random", mud=False, hwpref=False):
    """Callgrind over the measured loop of spin-worker-bench: the worker's
    instructions per packet (the harness's copying of frames into receive
    buffers and draining the ring left out) and, by stage, instructions and
    simulated last-level misses (reads and writes) per packet, on a simulated
    cache the size of this machine's (32 KiB L1, 16 MiB LL); with `hwpref`,
    with callgrind's simulated hardware prefetcher, the optimistic bound."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes", "--D1=32768,8,64",
               "--LL=16777216,16,64", f"--callgrind-out-file={out}"]
        if hwpref:
            cmd.append("--simulate-hwpref=yes")
        cmd += [WORKER_BENCH, "--instructions", str(flows), str(packets), "--order", order]
        if mud:
            cmd += ["--mud", "--reflex"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        n = re.search(r"packets (\d+)", p.stdout)
        if p.returncode != 0 or not n:
            log(f"callgrind failed: {p.stderr[-500:]}")
            return None
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--show=Ir,DLmr,DLmw", out],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    npk = int(n.group(1))
    fn = {}
    for line in ann.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+([\d,]+) \([^)]*\)\s+([\d,]+) \([^)]*\)\s+\S*spin::dp::Worker::(\w+)\(",
                     line)
        if m:
            fn[m.group(4)] = [int(m.group(i).replace(",", "")) / npk for i in (1, 2, 3)]
    if "process_burst" not in fn or "service" not in fn:
        log("callgrind: no worker functions in the profile")
        return None
    stages = {}
    for st, f in (("parse", "parse_stage"), ("lookup", "lookup_stage"), ("meter", "meter_stage"),
                  ("after", "service")):
        ir, lr, lw = fn.get(f, [0, 0, 0])
        stages[st] = {"instructions": round(ir, 1), "ll_misses": round(lr + lw, 3)}
    total = fn["process_burst"][0] + fn["service"][0] + fn.get("begin_poll", [0])[0]
    return {"instructions_per_packet": round(total, 1), "stages": stages}


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


def whole_process_row(workdir, flows, size, order, max_packets, rounds, duration, warmup, tiny, peer_runs):
    """testpmd and the agent, alternating, on one capture; and the peers on it."""
    pcap, npackets, distinct = make_capture(workdir, flows, size, max_packets, order)
    log(f"{flows} flows ({distinct} distinct), {order} order, {size}-byte frames, {npackets} packets looped")
    spin, testpmd, ratio, spin_mem, tp_mem, created, stages = [], [], [], [], [], [], []
    for r in range(rounds):
        programs = ["testpmd", "spin"] if r % 2 == 0 else ["spin", "testpmd"]
        res = process_round(workdir, pcap, npackets, flows, duration, warmup, programs, distinct)
        spin.append(res["spin"][0])
        testpmd.append(res["testpmd"][0])
        ratio.append(res["spin"][0] / res["testpmd"][0])
        spin_mem.append(res["spin"][1])
        tp_mem.append(res["testpmd"][1])
        created.append(res["spin"][2].get("flows_created_per_s"))
        stages.append(res["spin"][2].get("stages"))
    e = {"flows": flows, "order": order, "frame_size": size, "packets_in_capture": npackets,
         "distinct_flows": distinct}
    put(e, "spin_pps", spin, 0)
    put(e, "testpmd_pps", testpmd, 0)
    put(e, "ratio", ratio, 3)
    put(e, "flows_created_per_s", created, 0)
    stages = [x for x in stages if x]
    e["agent_stages"] = {st: round(statistics.median(x[st] for x in stages), 1) for st in STAGES} if stages else None
    put(e, "rss_mib", spin_mem, 0)
    put(e, "testpmd_rss_mib", tp_mem, 0)
    e["_spin_mem"] = spin_mem
    peers = {}
    for tool in ("ndpiReader", "softflowd"):
        put(peers, f"{tool}_pps", [peer_pps(tool, pcap, npackets, tiny) for _ in range(peer_runs)], 0)
    e["peers"] = peers
    return e


def in_process_figures(e, figs, cg_packets, hwpref):
    """The in-process benchmark's figures for a row (64-byte IPv4 frames):
    without and with the 201-entry MUD policy and the reflex in force."""
    if not figs:
        return
    for prefix in ("", "mud_"):
        if prefix not in figs:
            continue
        m = median_figures(figs[prefix])
        for k in ("cycles_per_packet", "ns_per_packet"):
            for suffix in ("", "_min", "_max"):
                e[prefix + k + suffix] = m[k + suffix]
        e[prefix + "stages"] = m["stages"]
        cg = callgrind(e["flows"], cg_packets, e["order"], mud=prefix == "mud_")
        e[prefix + "instructions_per_packet"] = cg["instructions_per_packet"] if cg else None
        e[prefix + "profile"] = cg["stages"] if cg else None
        if hwpref and prefix == "mud_":
            pf = callgrind(e["flows"], cg_packets, e["order"], mud=True, hwpref=True)
            e["mud_profile_hwpref"] = pf["stages"] if pf else None
    e["instructions_per_packet_min"] = e["instructions_per_packet_max"] = e.get("instructions_per_packet")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one short round (CI's check), under 5 minutes")
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
    # Quick: random order only (the row compared across runs); full: every order for 64-byte
    # frames, random for the mix.
    orders = ["random"] if args.quick else list(ORDERS)
    steady, worst, gb_context = {}, {}, {}
    if dataplane:
        log("in-process worker benchmark")
        steady, worst, gb_context = worker_bench(reps, min_time, orders)
    report = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "quick": args.quick,
              "machine": machine(), "rounds": rounds, "duration_s": duration,
              "tsc_mhz": gb_context.get("mhz_per_cpu"), "results": [], "results_mix": []}
    if worst:
        report["worst_cases"] = [dict(case=name, what=WORST_CASES.get(name, name), **median_figures(figs))
                                 for name, figs in worst.items()]
    for size in (sizes if dataplane else []):
        for flows in flows_list:
            for order in (orders if size == "64" else ["random"]):
                # The row compared across runs (random order) gets every round; the others three at most.
                e = whole_process_row(workdir, flows, size, order, max_packets,
                                      rounds if order == "random" else min(rounds, 3), duration, warmup, tiny,
                                      3 if not args.quick and order == "random" else 1)
                if size == "64":
                    in_process_figures(e, steady.get((flows, order)), cg_packets,
                                       hwpref=not args.quick and flows == flows_list[-1] and order == "random")
                (report["results"] if size == "64" else report["results_mix"]).append(e)
    for rows in (report["results"], report["results_mix"]):
        per_flow_memory(rows)
    if dataplane:
        log(f"hash flooding: {FLOOD_FLOWS} crafted flows against random ones")
        report["hash_flood"] = flood_rows(workdir, rounds, duration, warmup)
        report["scaling"] = scaling_rows(workdir, flows_list[-1], max_packets, rounds, duration, warmup)
        log("DNS-answer flood: the control loop")
        report["dns_flood"] = dns_flood_rows(rounds, 5000 if args.quick else 20000)
    if args.only != "dataplane":
        report["controller"] = controller_bench.run(workdir, args.quick, log)
    report["elapsed_s"] = round(time.time() - started, 1)
    report["targets"] = evaluate(report) if report["results"] else []
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
    count in the same order, over the extra flows.  Every capture of a size
    class holds the same number of packets, so the mbufs that hold it cancel
    out."""
    bases = {}
    for e in rows:
        mem = e.pop("_spin_mem")
        base = bases.get(e["order"])
        if base is None:
            bases[e["order"]] = (e, mem)
            put(e, "bytes_per_flow", [], 0)
            continue
        extra = e["distinct_flows"] - base[0]["distinct_flows"]
        put(e, "bytes_per_flow", [(m - b) * (1 << 20) / extra for m, b in zip(mem, base[1])] if extra > 0 else [], 0)


def target(name, value, limit, at_least):
    """One line of the report's targets: met or missed, and by how much."""
    if value is None:
        return None
    met = value >= limit if at_least else value <= limit
    return {"target": name, "value": value, "met": met,
            "shortfall": None if met else round(abs(value - limit), 3)}


def evaluate(report):
    results = report["results"]
    rows = [e for e in results if e["order"] == "random"] or results
    big = max(rows, key=lambda e: e["flows"])
    f, out = big["flows"], []
    out.append(target(f"spin / testpmd >= {TARGET_RATIO} at {f:,} flows, random order", big.get("ratio"),
                      TARGET_RATIO, True))
    out.append(target(f"<= {TARGET_CYCLES} TSC cycles per packet in process at {f:,} flows, random order, "
                      "MUD and reflex in force", big.get("mud_cycles_per_packet"), TARGET_CYCLES, False))
    out.append(target(f"<= {TARGET_INSTRUCTIONS} instructions per packet in process at {f:,} flows, random "
                      "order, MUD and reflex in force", big.get("mud_instructions_per_packet"),
                      TARGET_INSTRUCTIONS, False))
    out.append(target(f"<= {TARGET_BYTES_PER_FLOW} bytes per IPv4 flow (agent RSS growth) at {f:,} flows",
                      big.get("bytes_per_flow"), TARGET_BYTES_PER_FLOW, False))
    flood = report.get("hash_flood")
    if flood:
        out.append(target(f"crafted-collision capture >= {TARGET_FLOOD_RATIO} x a random one", flood.get("ratio"),
                          TARGET_FLOOD_RATIO, True))
    scaling = report.get("scaling")
    if scaling:
        out.append(target(f"2 workers >= {TARGET_SPEEDUP_2} x 1 worker at {scaling['flows']:,} flows, random order "
                          "(near-linear)", scaling.get("spin_speedup"), TARGET_SPEEDUP_2, True))
    for tool in ("ndpiReader", "softflowd"):
        worst = None
        for e in rows:
            peer = e["peers"].get(f"{tool}_pps")
            if peer and e.get("spin_pps"):
                x = e["spin_pps"] / peer
                worst = x if worst is None else min(worst, x)
        out.append(target(f">= {TARGET_PEER_FACTOR} x {tool} pps (random order)",
                          None if worst is None else round(worst, 1), TARGET_PEER_FACTOR, True))
    return [t for t in out if t is not None]


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
                  "| flows | order | spin-agent Mpps | testpmd io Mpps | ratio | cycles/pkt | ns/pkt | instr/pkt "
                  "| RSS MiB | bytes/flow | new flows/s | ndpiReader Mpps | softflowd Mpps |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for e in rows:
            p = e["peers"]
            lines.append(
                f"| {e['flows']:,} | {e['order']} | {span(e, 'spin_pps', 1e6)} | {span(e, 'testpmd_pps', 1e6)}"
                f" | {span(e, 'ratio', 1, 3)}"
                f" | {fmt(e.get('cycles_per_packet'), 1, 0)} | {fmt(e.get('ns_per_packet'), 1, 1)}"
                f" | {fmt(e.get('instructions_per_packet'), 1, 0)} | {fmt(e['rss_mib'], 1, 0)}"
                f" | {fmt(e['bytes_per_flow'], 1, 0)} | {fmt(e.get('flows_created_per_s'), 1e6, 2)}M"
                f" | {fmt(p.get('ndpiReader_pps'), 1e6, 3)} | {fmt(p.get('softflowd_pps'), 1e6, 3)} |")
        lines.append("")
        staged = [e for e in rows if e.get("agent_stages")]
        if staged:
            lines += ["The agent's own stage timing over the measured interval (TSC cycles per packet, one poll "
                      "in 16 timed):", "",
                      "| flows | order | " + " | ".join(STAGES) + " | sum |", "|---|---|" + "---|" * (len(STAGES) + 1)]
            for e in staged:
                st = e["agent_stages"]
                lines.append(f"| {e['flows']:,} | {e['order']} | " + " | ".join(fmt(st[x], 1, 0) for x in STAGES)
                             + f" | {fmt(sum(st.values()), 1, 0)} |")
            lines.append("")
        if rows and "mud_cycles_per_packet" in rows[0]:
            lines += ["In process, with a 201-entry MUD policy in enforce mode on the device (each entry naming "
                      "one remote port: a new flow tries those its protocol and port select; packets then use the "
                      "verdict cached in the flow) and the Mirai "
                      "reflex in quarantine mode: TSC cycles by stage (the worker's stage timing), instructions "
                      "and simulated last-level misses by stage (callgrind):", "",
                      "| flows | order | cycles/pkt | with MUD and reflex | instr/pkt | with MUD and reflex "
                      "| stage cycles (parse / lookup / meter / after) | stage instructions | stage LL misses |",
                      "|---|---|---|---|---|---|---|---|---|"]
            for e in rows:
                st, prof = e.get("mud_stages") or {}, e.get("mud_profile") or {}
                lines.append(
                    f"| {e['flows']:,} | {e['order']} | {fmt(e.get('cycles_per_packet'), 1, 0)} "
                    f"| {fmt(e.get('mud_cycles_per_packet'), 1, 0)} "
                    f"| {fmt(e.get('instructions_per_packet'), 1, 0)} "
                    f"| {fmt(e.get('mud_instructions_per_packet'), 1, 0)} "
                    f"| {' / '.join(fmt(st.get(x), 1, 0) for x in WORKER_STAGES)} "
                    f"| {' / '.join(fmt((prof.get(x) or {}).get('instructions'), 1, 0) for x in WORKER_STAGES)} "
                    f"| {' / '.join(fmt((prof.get(x) or {}).get('ll_misses'), 1, 2) for x in WORKER_STAGES)} |")
            lines.append("")
            pf = [e for e in rows if e.get("mud_profile_hwpref")]
            for e in pf:
                prof = e["mud_profile_hwpref"]
                lines += [f"With callgrind's simulated hardware prefetcher ({e['flows']:,} flows, {e['order']}): "
                          "LL misses per packet by stage "
                          + " / ".join(fmt(prof[x]["ll_misses"], 1, 2) for x in WORKER_STAGES) + ".", ""]
    if r.get("worst_cases"):
        lines += ["## Worst cases (in process, MUD and reflex in force)", "",
                  "| case | cycles/pkt | ns/pkt | stage cycles (parse / lookup / meter / after) | new flows/s "
                  "| untracked share |", "|---|---|---|---|---|---|"]
        for w in r["worst_cases"]:
            lines.append(f"| {w['what']} | {span(w, 'cycles_per_packet', 1, 0)} | {fmt(w['ns_per_packet'], 1, 1)} "
                         f"| {' / '.join(fmt(w['stages'][x], 1, 0) for x in WORKER_STAGES)} "
                         f"| {fmt(w['flows_created_per_s'], 1e6, 2)}M | {fmt(w['untracked_share'], 1, 3)} |")
        lines.append("")
    if "hash_flood" in r:
        f = r["hash_flood"]
        lines += ["## Hash flooding", "",
                  f"{f['flows']:,} TCP flows from one device whose keys share one hash under the flow index's former "
                  "CRC32C, against random flows of the same shape (`spin-pcapgen flood`), looped.", "",
                  "| crafted Mpps | random Mpps | crafted / random |", "|---|---|---|",
                  f"| {span(f, 'crafted_pps', 1e6)} | {span(f, 'random_pps', 1e6)} | {span(f, 'ratio', 1, 3)} |", ""]
    if "scaling" in r:
        c = r["scaling"]
        lines += ["## Scaling over workers", "",
                  f"{c['flows']:,} flows in random order, split by flow over two captures (one receive queue "
                  f"each, as RSS would); {c['cpus']} CPUs, so with two workers the second shares the control "
                  "lcore's CPU (and testpmd's second core its main lcore's).", "",
                  "| | 1 worker / core, Mpps | 2, Mpps | speed-up |", "|---|---|---|---|",
                  f"| spin-agent | {span(c, 'spin_1w_pps', 1e6)} | {span(c, 'spin_2w_pps', 1e6)} "
                  f"| {span(c, 'spin_speedup', 1, 3)} |",
                  f"| testpmd io | {span(c, 'testpmd_1c_pps', 1e6)} | {span(c, 'testpmd_2c_pps', 1e6)} "
                  f"| {span(c, 'testpmd_speedup', 1, 3)} |", "",
                  f"spin / testpmd with two: {span(c, 'ratio_2', 1, 3)}.", ""]
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
    lines += ["## Targets (SPEC 7 and issue 16)", ""]
    for t in r["targets"]:
        verdict = "met" if t["met"] else f"missed by {t['shortfall']}"
        lines.append(f"- {t['target']}: {t['value']} — {verdict}")
    lines += ["", f"Run took {r['elapsed_s']} s. Cycles are TSC cycles (ns × TSC rate); instructions from callgrind.",
              ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
