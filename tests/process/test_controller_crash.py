#!/usr/bin/env python3
"""kill -9 durability: a synthetic agent publishes 200 batches a second
(each batch's records carry its sequence number as their remote port) while
the controller is killed with SIGKILL at random moments and restarted on the
same store.  After every kill the store must pass SQLite's integrity check,
hold only whole batches, hold the batches of that run without a hole, and
have lost only batches sent in the last second before the kill.  A last run
ends with SIGTERM and must lose nothing it received."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import spintest as t

SYNTH = t.build_path("SPIN_SYNTHETIC_AGENT", "tools/synthetic-agent/spin-synthetic-agent")
RECORDS, DEVICES = 10, 5
PKTS_PER_BATCH = RECORDS * 2  # each record: 2 packets out

d = t.workdir("crash")
db = os.path.join(d, "spin.db")
# Each batch's port is new: to the controller that is a port scan, which it
# folds into one row a minute; here every batch needs its own row.
config = t.write_config(os.path.join(d, "controller.yaml"), "store: {rows_per_device_minute: 100000}\n")
log_path = os.path.join(d, "sent.log")
port = t.free_port()
random.seed(int(os.environ.get("SPIN_CRASH_SEED", "5")))
agent = subprocess.Popen([SYNTH, "--publish", f"tcp://127.0.0.1:{port}", "--records", str(RECORDS),
                          "--devices", str(DEVICES), "--remotes", "1", "--rate", "200", "--port-per-batch",
                          "--wait-subscribers", "0", "--log", log_path], stdout=subprocess.DEVNULL)


def sent():
    """{seq: send time in seconds}"""
    out = {}
    with open(log_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                out[int(parts[0])] = int(parts[1]) / 1e6
    return out


def stored():
    """{seq: packets out} from the minute buckets, after SQLite's own integrity check."""
    con = sqlite3.connect(db)
    try:
        check = con.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            raise AssertionError(f"integrity_check: {check}")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            return {}
        return dict(con.execute("SELECT remote_port, sum(pkts_out) FROM traffic_minute GROUP BY remote_port"))
    finally:
        con.close()


failures = []
have = {}
kills = 0
try:
    for run in range(10):
        delay = random.choice([0.05, 0.3]) if run < 2 else random.uniform(1.5, 3.5)
        ctl = subprocess.Popen([t.CONTROLLER, "--config", config, "--listen", f"127.0.0.1:{t.free_port()}", "--db", db,
                                "--agent", f"synth=tcp://127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, f"run{run}.log"), "w"))
        started = time.time()
        time.sleep(delay)
        last = run == 9
        killed_at = time.time()
        if last:
            ctl.send_signal(signal.SIGTERM)
            ctl.wait(timeout=30)
        else:
            ctl.kill()
            ctl.wait()
            kills += 1
        now = stored()
        log = sent()
        bad = {s: p for s, p in now.items() if p != PKTS_PER_BATCH}
        if bad:
            failures.append(f"run {run}: partial batches stored {dict(list(bad.items())[:5])}")
        new = sorted(set(now) - set(have))
        if new:
            holes = [s for s in range(new[0], new[-1] + 1) if s not in now]
            if holes:
                failures.append(f"run {run}: batches {holes[:10]} missing inside {new[0]}..{new[-1]}")
            grace = 0.0 if last else 1.0
            lost = [s for s in log if s > new[-1] and log[s] <= killed_at - grace - 0.05]
            # With SIGTERM the controller commits what it read; what was still
            # in flight on the socket may be unread (a few ms).
            lost = [s for s in lost if not last or log[s] <= killed_at - 0.1]
            if lost:
                failures.append(f"run {run}: {len(lost)} batches sent more than {grace} s before the "
                                f"{'stop' if last else 'kill'} were lost (from seq {lost[0]}; stored up to {new[-1]})")
            print(f"run {run}: {'SIGTERM' if last else 'SIGKILL'} after {killed_at - started:.2f} s, "
                  f"{len(new)} batches stored ({new[0]}..{new[-1]}), last sent seq {max(log)}")
        else:
            if killed_at - started > 2.0:
                failures.append(f"run {run}: nothing stored in {killed_at - started:.2f} s")
            print(f"run {run}: killed after {killed_at - started:.2f} s, nothing stored yet")
        have = now
        if last and ctl.returncode != 0:
            failures.append(f"SIGTERM: exit status {ctl.returncode}")
finally:
    agent.terminate()
    agent.wait(timeout=10)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"PASS: {kills} kill -9 and one SIGTERM: store intact, whole batches only, no holes, "
      f"losses within the last second; {len(have)} batches stored")
