#!/usr/bin/env python3
"""The benchmark has not rotted: `tools/bench/run --quick` runs and writes a
well-formed report (every figure with its min and max, the interface that
outside checks read).  Speed itself is never judged here."""
import glob
import json
import os
import subprocess

import spintest as t

root = t.project_root()
out = t.workdir("bench")
p = subprocess.run([os.path.join(root, "tools", "bench", "run"), "--quick", "--out", out],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
assert p.returncode == 0, p.stderr[-3000:]
reports = glob.glob(os.path.join(out, "*.json"))
assert len(reports) == 1, reports
report = json.load(open(reports[0]))
assert os.path.exists(reports[0][:-5] + ".md")
for key in ("date", "machine", "rounds", "results", "targets"):
    assert key in report, key
assert report["machine"]["cores"] >= 1 and report["machine"]["cpu"]
flows = [e["flows"] for e in report["results"]]
assert flows == [1000, 100000, 1000000], flows


def figure(entry, name, nullable=False):
    for suffix in ("", "_min", "_max"):
        v = entry[name + suffix]
        assert v is None if (nullable and v is None) else isinstance(v, (int, float)), (name + suffix, v)
    if entry[name] is not None:
        assert entry[name + "_min"] <= entry[name] <= entry[name + "_max"], (name, entry)


for e in report["results"]:
    assert e["order"] in ("sequential", "random", "zipf"), e
    assert 0 < e["distinct_flows"] <= e["flows"], e
    figure(e, "spin_pps")
    figure(e, "testpmd_pps")
    figure(e, "ratio")
    assert e["spin_pps"] > 0 and e["testpmd_pps"] > 0
    assert abs(e["ratio"] - e["spin_pps"] / e["testpmd_pps"]) < 0.01 or report["rounds"] > 1
    figure(e, "cycles_per_packet", nullable=True)
    figure(e, "instructions_per_packet", nullable=True)
    figure(e, "bytes_per_flow", nullable=e["flows"] == 1000)
    figure(e["peers"], "ndpiReader_pps", nullable=True)
    figure(e["peers"], "softflowd_pps", nullable=True)
    figure(e, "flows_created_per_s", nullable=True)
    # Where the cycles go: the agent's own stage timing, and the in-process benchmark's by stage.
    assert e["agent_stages"] is None or set(e["agent_stages"]) == {"rx", "parse", "lookup", "meter", "tx", "after"}
    assert set(e["mud_stages"]) == {"parse", "lookup", "meter", "after"}, e
    assert e["mud_profile"] is None or all(s["instructions"] > 0 for s in e["mud_profile"].values()), e
# The row compared across runs: the largest flow count in random order.
big = max((e for e in report["results"] if e["order"] == "random"), key=lambda e: e["flows"])
assert big["flows"] == 1000000 and big["agent_stages"] is not None, big
cases = {w["case"] for w in report["worst_cases"]}
assert {"BM_Shape/1000000/1", "BM_NewFlows/1000000/0/0", "BM_NewFlows/1000000/0/1", "BM_YoungFullTable/1000000",
        "BM_Publish/1000000"} <= cases, cases
for w in report["worst_cases"]:
    figure(w, "cycles_per_packet")
assert big["instructions_per_packet"] is None or 50 < big["instructions_per_packet"] < 5000, big
assert "| random |" in open(reports[0][:-5] + ".md").read()
assert big["bytes_per_flow"] is None or 64 < big["bytes_per_flow"] < 4096, big
assert report["targets"] and all("met" in x for x in report["targets"])
flood = report["hash_flood"]
for name in ("crafted_pps", "random_pps", "ratio"):
    figure(flood, name)
assert flood["crafted_pps"] > 0 and "## Hash flooding" in open(reports[0][:-5] + ".md").read()
# Scaling over workers: one and two, each on a receive queue of its own (speed not judged).
sc = report["scaling"]
for name in ("spin_1w_pps", "spin_2w_pps", "testpmd_1c_pps", "testpmd_2c_pps", "spin_speedup", "testpmd_speedup",
             "ratio_2"):
    figure(sc, name)
assert sc["spin_1w_pps"] > 0 and sc["spin_2w_pps"] > 0 and sc["distinct_flows"] == 1000000, sc
assert "## Scaling over workers" in open(reports[0][:-5] + ".md").read()
dns = report["dns_flood"]
for mode in ("paced", "every_round", "no_rules"):
    figure(dns[mode], "answers_per_s")
# Paced commits keep publishing to a bounded share of the control thread
# (kCommitSpacing = 10: about a tenth) however fast answers come.
assert dns["paced"]["commit_share"] < min(0.3, dns["every_round"]["commit_share"] / 2), dns
assert dns["paced"]["learnt"] > 0 and dns["no_rules"]["commits"] == 0, dns
assert "## DNS-answer flood" in open(reports[0][:-5] + ".md").read()
c = report["controller"]
assert max(c["in_process"]["records_per_s"]) > 0, c
p = c["process"]
assert p["records_received"] + 512 * p["batches_lost"] == p["records_sent"], p
assert p["records_stored"] == p["records_received"], p  # everything received reached the store
assert c["lag"]["samples"] > 0 and c["lag"]["median_ms"] > 0, c["lag"]
assert c["api"]["median_ms"] > 0 and c["api"]["destinations_per_answer"] > 0, c["api"]
assert "## Controller" in open(reports[0][:-5] + ".md").read()
print(f"PASS: quick benchmark report well formed ({report['elapsed_s']} s): "
      + ", ".join(f"{e['flows']} flows {e['order']} ratio {e['ratio']}" for e in report["results"])
      + f"; controller {p['records_per_s']} records/s")
