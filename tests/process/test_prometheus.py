#!/usr/bin/env python3
"""The controller's Prometheus metrics (docs/integrations.md), checked by
Prometheus' own tools: the generated home capture is replayed through
spin-agent into a controller with export.prometheus.listen and api.token;
then

  - /metrics without the token is 401, with it 200 and `promtool check
    metrics` finds nothing to say about it;
  - its figures are the API's: records read, events written, the agent's
    records and rules;
  - a real Prometheus server (Debian's), scraping it every second with the
    token as its docs/integrations.md configuration says, holds the same
    values (`up` is 1, spin_ingest_records_total and
    spin_agent_records_total{agent="home"} as the API says)."""
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import spintest as t

PROMETHEUS, PROMTOOL = shutil.which("prometheus"), shutil.which("promtool")
if not PROMETHEUS or not PROMTOOL:
    t.skip("Prometheus is not installed (tools/install-deps installs Debian's prometheus)")
TOKEN = "prometheus-test-token-7c1e"
work = t.workdir("prometheus")
subprocess.run([t.PCAPGEN, "home", "--out", work], check=True, stdout=subprocess.DEVNULL)
metrics_port = t.free_port()
config = t.write_config(os.path.join(work, "controller.yaml"),
                        f'export: {{prometheus: {{listen: "127.0.0.1:{metrics_port}"}}}}\n')


def scrape(token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{metrics_port}/metrics")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def value(text, name):
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, f"{name} is not in /metrics"
    return float(m.group(1))


pub, cmd = t.free_port(), t.free_port()
with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], config=config, token=TOKEN) as ctl:
    flows, exit_stats, _ = t.replay_into(ctl, os.path.join(work, "home-lan.pcap"), os.path.join(work, "home-wan.pcap"),
                                         work, pub, cmd)
    status, _, body = scrape()
    assert status == 401 and "api.token" in body, (status, body)
    status, ctype, text = scrape(TOKEN)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), (status, ctype)
    lint = subprocess.run([PROMTOOL, "check", "metrics"], input=text, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert lint.returncode == 0 and not lint.stdout.strip(), f"promtool check metrics:\n{lint.stdout}"
    api = ctl.get("/status")["status"]
    agent = ctl.get("/agents")["agents"][0]
    checks = {
        "spin_ingest_records_total": api["ingest"]["records"],
        "spin_events_written_total": api["events"]["written"],
        "spin_model_devices": api["model"]["devices"],
        'spin_agent_records_total{agent="home"}': agent["records"],
        'spin_agent_rules{agent="home"}': agent["rules"],
    }
    for name, want in checks.items():
        assert value(text, name) == want, f"{name}: /metrics {value(text, name)}, the API {want}"
    assert api["ingest"]["records"] > 0
    # The agent's own counters (its last stats event) are its exit report's.
    own = {f'spin_agent_worker_{name}_total{{agent="home",worker="0",side="{side}"}}': exit_stats[f"{side}_{name}"]
           for name in ("rx_pkts", "rx_bytes", "tx_pkts") for side in ("lan", "wan")}
    own['spin_agent_worker_flows_created_total{agent="home",worker="0"}'] = exit_stats["flows_created"]
    own['spin_agent_worker_records_total{agent="home",worker="0"}'] = exit_stats["records"]
    for name, want in own.items():
        assert value(text, name) == want, f"{name}: /metrics {value(text, name)}, the agent's exit report {want}"
    assert value(text, 'spin_agent_port_rx_packets_total{agent="home",port="lan"}') == exit_stats["lan_rx_pkts"]
    # Per device: the flow log's totals, for every confirmed device and no other.
    devices = ctl.get("/devices")["devices"]
    confirmed = [d["mac"] for d in devices if d["confirmed"]]
    for mac in confirmed:
        sent = sum(f["bytes_out"] for f in flows if f["mac"] == mac)
        received = sum(f["pkts_in"] for f in flows if f["mac"] == mac)
        assert value(text, f'spin_device_sent_bytes_total{{mac="{mac}"}}') == sent, mac
        assert value(text, f'spin_device_received_packets_total{{mac="{mac}"}}') == received, mac
    assert len(re.findall(r"^spin_device_sent_bytes_total\{", text, re.M)) == len(confirmed)
    print(f"/metrics: 401 without the token; {len(text.splitlines())} lines that promtool finds clean; "
          f"{len(checks)} figures as the API gives them; {len(own) + 1} of the agent's own counters as its exit "
          f"report; {len(confirmed)} devices' series as the flow log")

    # A real Prometheus, configured as docs/integrations.md says.
    prom_port = t.free_port()
    with open(os.path.join(work, "token"), "w") as f:
        f.write(TOKEN)
    os.chmod(os.path.join(work, "token"), 0o600)
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: spin
    authorization:
      credentials_file: {work}/token
    static_configs:
      - targets: ["127.0.0.1:{metrics_port}"]
""")
    log = open(os.path.join(work, "prometheus.log"), "w")
    prom = subprocess.Popen([PROMETHEUS, f"--config.file={work}/prometheus.yml",
                             f"--storage.tsdb.path={work}/tsdb", f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        def query(q):
            url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    result = json.load(r)["data"]["result"]
            except (OSError, ValueError, KeyError):
                return None
            return float(result[0]["value"][1]) if result else None

        t.wait_for("Prometheus to scrape the controller", lambda: query('up{job="spin"}') == 1, timeout=60)
        got = {q: query(q) for q in ("spin_ingest_records_total", 'spin_agent_records_total{agent="home"}')}
        assert got["spin_ingest_records_total"] == api["ingest"]["records"], got
        assert got['spin_agent_records_total{agent="home"}'] == agent["records"], got
        version = subprocess.run([PROMETHEUS, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True).stdout.split()[2]
        print(f"Prometheus {version}: up=1 with the token; it holds {got}")
    finally:
        prom.terminate()
        prom.wait(timeout=30)
        log.close()
print("prometheus: ok")
