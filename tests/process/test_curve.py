"""CURVE on the agent's channels: with keys configured, only authorised client
keys can read the stream or give orders; a client with the wrong key (or none)
gets nothing and changes nothing.  Without keys, the agent refuses to listen
anywhere but loopback / ipc."""

import json
import os
import subprocess
import time

import spintest


def spinctl(*args, timeout=30):
    return subprocess.run([spintest.SPINCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def keygen(d, name):
    p = spinctl("keygen", "--out", os.path.join(d, name))
    assert p.returncode == 0, p.stderr
    key = os.path.join(d, name + ".key")
    assert os.stat(key).st_mode & 0o777 == 0o600, "secret key file is not private"
    return key, os.path.join(d, name + ".pub")


def main():
    d = spintest.workdir("curve")
    agent_key, agent_pub = keygen(d, "agent")
    ctl_key, ctl_pub = keygen(d, "controller")
    bad_key, _ = keygen(d, "intruder")
    again = spinctl("keygen", "--out", os.path.join(d, "agent"))
    assert again.returncode == 1 and "exists" in again.stderr, "keygen overwrote a key without --force"

    subprocess.run([spintest.PCAPGEN, "home", "--out", d], check=True, stdout=subprocess.DEVNULL)
    cfg = spintest.write_config(os.path.join(d, "agent.yaml"), f"""
agent: {{id: curve}}
curve:
  secret_key_file: {agent_key}
  authorized_keys: [{ctl_pub}]
digests: {{heartbeat: 0.2}}
""")
    pub, cmd = f"tcp://127.0.0.1:{spintest.free_port()}", f"tcp://127.0.0.1:{spintest.free_port()}"
    log = open(os.path.join(d, "agent.log"), "w")
    agent = subprocess.Popen([spintest.AGENT, "--config", cfg,
                              "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={d}/o-lan.pcap",
                              "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={d}/o-wan.pcap",
                              "--publish", pub, "--commands", cmd], stdout=log, stderr=subprocess.STDOUT)
    try:
        good = ["--server-key", agent_pub, "--key", ctl_key]
        wrong = ["--server-key", agent_pub, "--key", bad_key]
        deadline = time.time() + 20
        while True:
            ping = spinctl("agent", "ping", "--connect", cmd, "--timeout", "1", *good)
            if ping.returncode == 0 or time.time() > deadline:
                break
        assert ping.returncode == 0, f"authorised ping failed: {ping.stderr}"

        # Orders: the wrong key and no key get no answer, and change nothing.
        for label, keys in (("wrong key", wrong), ("no key", [])):
            p = spinctl("agent", "block", "--connect", cmd, "--mac", "02:53:50:49:4e:12", "--timeout", "1.5", *keys)
            assert p.returncode == 1 and "no answer" in p.stderr, f"{label}: order answered: {p.stdout} {p.stderr}"
        rules = json.loads(spinctl("agent", "rules", "--connect", cmd, *good).stdout)
        assert rules["rules"] == [], f"an unauthorised order changed the rules: {rules}"
        ok = spinctl("agent", "block", "--connect", cmd, "--mac", "02:53:50:49:4e:12", *good)
        assert ok.returncode == 0, ok.stderr

        # Streams: heartbeats every 0.2 s reach the authorised subscriber only.
        seen = spinctl("events", "--connect", pub, "--count", "2", "--timeout", "5", *good)
        lines = [json.loads(x) for x in seen.stdout.splitlines()]
        assert len(lines) == 2 and all(e["agent"] == "curve" for e in lines), \
            f"authorised subscriber: {seen.stdout} {seen.stderr}"
        for label, keys in (("wrong key", wrong), ("no key", [])):
            p = spinctl("events", "--connect", pub, "--count", "1", "--timeout", "2", *keys)
            assert p.stdout == "", f"{label}: read the stream: {p.stdout[:200]}"
            p = spinctl("digests", "--connect", pub, "--count", "1", "--timeout", "1", *keys)
            assert p.stdout == "", f"{label}: read digests: {p.stdout[:200]}"
    finally:
        agent.send_signal(2)
        agent.wait(timeout=30)
        log.close()
    text = open(os.path.join(d, "agent.log")).read()
    assert agent.returncode == 0, text[-3000:]
    assert "refused CURVE client key" in text, "refusals were not logged:\n" + text[-3000:]
    print("CURVE: authorised key reads and orders; wrong key and no key get nothing; refusals logged")

    # Plain ZeroMQ only on loopback / ipc.
    plain = spintest.write_config(os.path.join(d, "plain.yaml"), "agent: {id: plain}\n")
    p = subprocess.run([spintest.AGENT, "--config", plain,
                        "--lan", f"net_pcap0,rx_pcap={d}/home-lan.pcap,tx_pcap={d}/p-lan.pcap",
                        "--wan", f"net_pcap1,rx_pcap={d}/home-wan.pcap,tx_pcap={d}/p-wan.pcap",
                        "--publish", f"tcp://0.0.0.0:{spintest.free_port()}", "--exit-on-eof"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1 and "plain ZeroMQ is allowed on loopback or ipc:// only" in p.stderr, p.stderr[-2000:]
    print("plain ZeroMQ on 0.0.0.0 refused:", p.stderr.strip().splitlines()[-1])
    print("ok")


if __name__ == "__main__":
    main()
