#!/usr/bin/env python3
"""The controller's MQTT export (docs/integrations.md), checked against Debian's
mosquitto broker with real clients (paho-mqtt, mosquitto_pub):

  - the controller reaches the broker over TLS (a test CA) with a user name
    and password; anonymous clients are refused by the broker;
  - Home Assistant discovery: after the home capture and a camera turning bot
    are replayed, every confirmed device has its retained configs (a
    device_tracker, a quarantine switch, upload / download / stage sensors,
    an alert event) whose topics are the ones the states and commands use;
    `homeassistant/status` = online makes the controller send them again,
    and twenty of them in a row one more round, not twenty;
  - the bot's alerts arrive as events of its alert entity;
  - the quarantine switch: ON from a client quarantines the device in the
    agent (its own rule list) and the switch's state follows; OFF lifts it;
    malformed commands, and commands for a device never announced, are
    refused and counted;
  - the SPIN 1.0 feed: summed per conversation and direction, its `traffic`
    messages equal the agent's flow log; every node a message names was
    described by a nodeInfo first (devices with their MAC); its `dnsquery`
    messages are the names tshark sees the devices resolve;
  - the last will: a controller killed with -9 leaves `spin/status` offline."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import spintest as t

t.need_tshark()
if not shutil.which("mosquitto") or not shutil.which("mosquitto_passwd") or not shutil.which("mosquitto_pub"):
    t.skip("mosquitto is not installed (tools/install-deps installs Debian's mosquitto and mosquitto-clients)")
try:
    import paho.mqtt.client as mqtt
except ImportError:
    # Debian's python3-paho-mqtt is the system Python's: run there when this one lacks it.
    SYSTEM_PYTHON = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) and subprocess.run(
            [SYSTEM_PYTHON, "-c", "import paho.mqtt.client"], stderr=subprocess.DEVNULL).returncode == 0:
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, *sys.argv])
    t.skip("paho-mqtt is not installed (tools/install-deps installs python3-paho-mqtt)")

work = t.workdir("mqtt")
os.chmod(work, 0o755)  # mosquitto reads its files as its own user
subprocess.run([t.PCAPGEN, "home", "--out", work], check=True, stdout=subprocess.DEVNULL)
subprocess.run([t.PCAPGEN, "attack", "--out", work, "--phases", "mirai", "--benign", "20", "--phase-seconds", "8",
                "--gap", "5"], check=True, stdout=subprocess.DEVNULL)
CAPTURES = ["home", "attack"]
BOT = json.load(open(os.path.join(work, "attack-truth.json")))["infected"]["mac"]

# ------------------------------------------------------- a broker with TLS


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)


run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
    "-subj", "/CN=SPIN test CA")
run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
    "-subj", "/CN=127.0.0.1")
with open(os.path.join(work, "san.ext"), "w") as f:
    f.write("subjectAltName = IP:127.0.0.1\n")
run("openssl", "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
    "-out", "broker.pem", "-days", "2", "-extfile", "san.ext")
USER, PASSWORD = "spin", "mqtt-test-secret-41"
run("mosquitto_passwd", "-b", "-c", "passwd", USER, PASSWORD)
plain, secure = t.free_port(), t.free_port()
with open(os.path.join(work, "mosquitto.conf"), "w") as f:
    f.write(f"""per_listener_settings false
allow_anonymous false
password_file {work}/passwd
persistence false
log_dest stdout
user root
listener {plain} 127.0.0.1
listener {secure} 127.0.0.1
cafile {work}/ca.pem
certfile {work}/broker.pem
keyfile {work}/broker.key
""")
for name in ("passwd", "broker.key"):
    os.chmod(os.path.join(work, name), 0o600)
broker_log = open(os.path.join(work, "mosquitto.log"), "w")
broker = subprocess.Popen(["mosquitto", "-c", os.path.join(work, "mosquitto.conf")], stdout=broker_log,
                          stderr=subprocess.STDOUT)


class Listener:
    """A paho client on the plain port that keeps every message it sees."""

    def __init__(self, topics=("#",), user=USER, password=PASSWORD):
        self.messages, self.lock, self.refused = [], threading.Lock(), None
        self.client = mqtt.Client(client_id=f"test-{time.time_ns()}", protocol=mqtt.MQTTv311)
        if user:
            self.client.username_pw_set(user, password)
        self.connected = threading.Event()

        def on_connect(client, userdata, flags, rc):
            if rc != 0:
                self.refused = rc
                return
            for topic in topics:
                client.subscribe(topic, qos=1)
            self.connected.set()

        def on_message(client, userdata, msg):
            with self.lock:
                self.messages.append((msg.topic, msg.payload.decode(errors="replace"), bool(msg.retain), time.time()))

        self.client.on_connect, self.client.on_message = on_connect, on_message
        self.client.connect("127.0.0.1", plain)
        self.client.loop_start()

    def wait(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline and not self.connected.is_set() and self.refused is None:
            time.sleep(0.05)
        return self.connected.is_set()

    def seen(self, topic=None, prefix=None, since=0):
        with self.lock:
            return [(tp, p, r) for tp, p, r, at in self.messages
                    if at >= since and (topic is None or tp == topic) and (prefix is None or tp.startswith(prefix))]

    def last(self, topic):
        found = self.seen(topic)
        return found[-1][1] if found else None

    def publish(self, topic, payload, retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


try:
    def listening():
        try:
            socket.create_connection(("127.0.0.1", plain), timeout=1).close()
            return True
        except OSError:
            return False

    t.wait_for("mosquitto to listen", listening, timeout=20)
    stranger = Listener(user=None)
    assert not stranger.wait(5) and stranger.refused == 5, f"the broker let an anonymous client in: {stranger.refused}"
    stranger.stop()
    listener = Listener()
    assert listener.wait(), "the test's client could not connect"

    pwfile = os.path.join(work, "mqtt-password")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(pwfile, 0o600)
    config = t.write_config(os.path.join(work, "controller.yaml"), f"""export:
  mqtt:
    broker: "127.0.0.1:{secure}"
    username: {USER}
    password_file: {pwfile}
    tls: {{ca_file: {work}/ca.pem}}
    spin_feed: true
    state_interval: 1
    feed_interval: 0.5
""")
    pub, cmd = t.free_port(), t.free_port()
    with t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], config=config) as ctl:
        def mqtt_status():
            return ctl.get("/status")["status"]["export"]["mqtt"]

        t.wait_for("the controller to reach the broker over TLS", lambda: mqtt_status()["connected"], timeout=20)
        t.wait_for("spin/status online", lambda: listener.last("spin/status") == "online", timeout=10)
        records = {}
        for name in CAPTURES:
            d = os.path.join(work, name)
            os.makedirs(d)
            records[name], _, _ = t.replay_into(ctl, os.path.join(work, f"{name}-lan.pcap"),
                                                os.path.join(work, f"{name}-wan.pcap"), d, pub, cmd)
        devices = {d["mac"]: d for d in ctl.get("/devices")["devices"]}
        confirmed = sorted(mac for mac, d in devices.items() if d["confirmed"])
        assert BOT in confirmed and len(confirmed) >= 6, confirmed

        # ------------------------------------------------ Home Assistant
        def oid(mac):
            return mac.replace(":", "")

        def configs():
            return {tp: json.loads(p) for tp, p, retain in listener.seen(prefix="homeassistant/") if p}

        want = {f"homeassistant/{component}/spin_{oid(mac)}/{entity}/config" for mac in confirmed
                for component, entity in (("device_tracker", "presence"), ("switch", "quarantine"),
                                          ("sensor", "upload"), ("sensor", "download"), ("sensor", "stage"),
                                          ("event", "alert"))}
        t.wait_for("every confirmed device's discovery", lambda: want <= set(configs()), timeout=20)
        found = configs()
        assert set(found) == want, sorted(set(found) - want)
        assert all(r for tp, p, r in listener.seen(prefix="homeassistant/") if tp in want) is not None
        unique = [c["unique_id"] for c in found.values()]
        assert len(unique) == len(set(unique)), "unique_id repeated"
        for tp, c in found.items():
            mac = next(m for m in confirmed if oid(m) in tp)
            assert c["availability_topic"] == "spin/status", c
            assert c["device"]["identifiers"] == [f"spin_{oid(mac)}"], c
            assert c["device"]["connections"] == [["mac", mac]], c
            for key in ("state_topic", "command_topic", "json_attributes_topic"):
                if key in c:
                    assert c[key].startswith(f"spin/{oid(mac)}/"), (key, c)
        switch = found[f"homeassistant/switch/spin_{oid(BOT)}/quarantine/config"]
        tracker = found[f"homeassistant/device_tracker/spin_{oid(BOT)}/presence/config"]
        stage = found[f"homeassistant/sensor/spin_{oid(BOT)}/stage/config"]
        event = found[f"homeassistant/event/spin_{oid(BOT)}/alert/config"]
        assert {"mirai_scan", "scan"} <= set(event["event_types"]), event
        t.wait_for("the bot's states", lambda: all(listener.last(topic) is not None for topic in (
            stage["state_topic"], tracker["state_topic"], tracker["json_attributes_topic"], switch["state_topic"])),
            timeout=10)
        state = json.loads(listener.last(stage["state_topic"]))
        assert set(state) == {"upload", "download", "stage"}, state
        # The capture's packets are from 2026-01-01: months ago, so not home.
        assert listener.last(tracker["state_topic"]) == "not_home", listener.last(tracker["state_topic"])
        attributes = json.loads(listener.last(tracker["json_attributes_topic"]))
        assert attributes["mac"] == BOT and set(devices[BOT]["ips"]) == set(attributes["ip"]), attributes
        alerts = [json.loads(p) for tp, p, r in listener.seen(event["state_topic"])]
        assert alerts and all(a["event_type"] in event["event_types"] and a["message"] for a in alerts), alerts
        print(f"Home Assistant: {len(found)} retained configs for {len(confirmed)} confirmed devices "
              f"(of {len(devices)}); the bot's {len(alerts)} alert(s) as events ({alerts[0]['event_type']}); "
              f"its stage {state['stage']!r}")

        before = time.time()
        listener.publish("homeassistant/status", "online")
        t.wait_for("the configs again after Home Assistant's birth",
                   lambda: {tp for tp, p, r in listener.seen(prefix="homeassistant/", since=before)} >= want,
                   timeout=10)
        # Whoever repeats "online" gets one more round after a few seconds, not a flood.
        asked = mqtt_status()["rediscoveries"]
        for _ in range(20):
            listener.publish("homeassistant/status", "online")
        t.wait_for("the repeated births served", lambda: mqtt_status()["rediscoveries"] > asked, timeout=15)
        time.sleep(1)
        assert mqtt_status()["rediscoveries"] == asked + 1, mqtt_status()

        # -------------------------------------------- the quarantine switch
        agent = t.IdleAgent(t.REPLAY_YAML, work, pub, cmd).start()
        try:
            t.wait_for("the agent's command channel", lambda: agent.rules() is not None, timeout=30)
            t.wait_for("the agent to be heard", lambda: ctl.get("/agents")["agents"][0]["connected"])
            for b in ctl.get("/blocks")["blocks"]:  # the reflex may have quarantined the bot already
                ctl.request("DELETE", f"/blocks/{b['id']}")
            t.wait_for("no block at the agent", lambda: agent.rules() == [], timeout=10)
            target = next(m for m in confirmed if m != BOT)
            refused_before = mqtt_status()["commands_refused"]
            for topic, payload in ((switch["command_topic"].replace(oid(BOT), oid(target)), "on"),
                                   (switch["command_topic"].replace(oid(BOT), oid(target)), "ON "),
                                   ("spin/0253504900ff/quarantine/set", "ON"),
                                   ("spin/not-a-mac/quarantine/set", "ON")):
                listener.publish(topic, payload)
            t.wait_for("the malformed commands counted",
                       lambda: mqtt_status()["commands_refused"] == refused_before + 3, timeout=10)
            assert ctl.get("/blocks")["blocks"] == [] and agent.rules() == []
            command_topic = switch["command_topic"].replace(oid(BOT), oid(target))
            state_topic = switch["state_topic"].replace(oid(BOT), oid(target))
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(plain), "-u", USER, "-P", PASSWORD,
                            "-t", command_topic, "-m", "ON", "-q", "1"], check=True)
            rules = t.wait_for("the quarantine in the agent",
                               lambda: [r for r in agent.rules() or [] if r.get("type") == "quarantine"], timeout=15)
            assert rules[0]["mac"] == target, rules
            t.wait_for("the switch to show ON", lambda: listener.last(state_topic) == "ON", timeout=10)
            block = ctl.get("/blocks")["blocks"][0]
            assert block["reason"] == "quarantine switch (MQTT)", block
            listener.publish(command_topic, "OFF")
            t.wait_for("the quarantine lifted in the agent", lambda: agent.rules() == [], timeout=15)
            t.wait_for("the switch to show OFF", lambda: listener.last(state_topic) == "OFF", timeout=10)
            print(f"switch: ON quarantined {target} in the agent (rule {rules[0]['id']}), OFF lifted it; "
                  f"4 malformed or foreign commands refused")
        finally:
            agent.stop()

        # ------------------------------------------------- the SPIN 1.0 feed
        feed = [json.loads(p) for tp, p, r in listener.seen("SPIN/traffic")]
        nodes, first_info = {}, {}
        for i, (tp, p, r, at) in enumerate(listener.messages):
            if tp.startswith("SPIN/traffic/node/") and p:
                info = json.loads(p)
                assert info["command"] == "nodeInfo" and tp.endswith(f"/{info['result']['id']}"), (tp, info)
                nodes[info["result"]["id"]] = info["result"]
                first_info.setdefault(info["result"]["id"], i)
        assert feed[0]["command"] == "serverRestart", feed[0]
        flows, order_problems = [], []
        for i, (tp, p, r, at) in enumerate(listener.messages):
            if tp != "SPIN/traffic":
                continue
            m = json.loads(p)
            assert set(m) == {"command", "argument", "result"}, m
            if m["command"] not in ("traffic", "blocked", "dnsquery"):
                continue
            items = m["result"]["flows"] if m["command"] == "traffic" else [m["result"]]
            for f in items:
                for key in ("from", "to", "queriednode"):
                    if key in f and first_info.get(f[key], 1 << 60) > i:
                        order_problems.append((m["command"], key, f[key]))
            if m["command"] == "traffic":
                assert m["result"]["total_count"] == sum(f["count"] for f in items), m
                flows += items

        assert not order_problems, f"messages name nodes described only later: {order_problems[:5]}"

        # Per device, remote, protocol and ports, each direction: the flow log's totals.
        got = {}
        for f in flows:
            a, b = nodes[f["from"]], nodes[f["to"]]
            outward = "mac" in a
            device, remote = (a, b) if outward else (b, a)
            assert "mac" in device and "mac" not in remote and len(remote["ips"]) == 1, (a, b)
            lan_port, remote_port = (f["from_port"], f["to_port"]) if outward else (f["to_port"], f["from_port"])
            c = got.setdefault((device["mac"], t.norm_ip(remote["ips"][0]), f["protocol"], lan_port, remote_port),
                               [0, 0, 0, 0])
            c[0 if outward else 2] += f["count"]
            c[1 if outward else 3] += f["size"]
        want = {}
        for name in CAPTURES:
            for r in records[name]:
                if not t.is_device_mac(r["mac"]):
                    continue
                c = want.setdefault((r["mac"], t.norm_ip(r["remote_ip"]), r["proto"], r["lan_port"], r["remote_port"]),
                                    [0, 0, 0, 0])
                for i, k in enumerate(("pkts_out", "bytes_out", "pkts_in", "bytes_in")):
                    c[i] += r[k]
        # A traffic message holds at most 1000 flows: a scan replayed at full speed goes past that, and
        # what is left out is counted.  Every flow the feed carries is at most the flow log's, and the
        # difference is exactly what the feed counted as dropped.
        stats = mqtt_status()
        dropped = stats["spin_feed"]
        over = [(k, got[k], want.get(k)) for k in got if any(g > w for g, w in zip(got[k], want.get(k, [0] * 4)))]
        assert not over, f"the feed has more than the flow log: {over[:10]}"
        short = [[w - g for g, w in zip(got.get(k, [0] * 4), want[k])] for k in want]
        missing = [sum(x[i] for x in short) for i in range(4)]
        assert missing[0] + missing[2] == dropped["packets_dropped"], (missing, dropped)
        assert missing[1] + missing[3] == dropped["bytes_dropped"], (missing, dropped)
        exact = sum(1 for k in want if got.get(k) == want[k])
        for mac in confirmed:
            described = [n for n in nodes.values() if n.get("mac") == mac]
            assert described and set(described[-1]["ips"]) <= set(devices[mac]["ips"]), (mac, described)
        queries = {(nodes[m["result"]["from"]]["mac"], m["result"]["query"].rstrip("."))
                   for m in feed if m["command"] == "dnsquery"}
        asked = set()
        for name in CAPTURES:
            pcap = os.path.join(work, f"{name}.pcap")
            for mac in {r["mac"] for r in records[name] if t.is_device_mac(r["mac"])}:
                for names in t.tshark_names(pcap, mac).values():
                    asked |= {(mac, n) for n in names}
        assert queries == asked, f"dnsquery {sorted(queries ^ asked)[:10]} differ from tshark's"
        assert stats["refused"] == 0, stats
        print(f"feed: {len(flows)} flow entries in {sum(1 for m in feed if m['command'] == 'traffic')} traffic "
              f"messages; {exact} of the flow log's {len(want)} device flows equal, the rest short by exactly the "
              f"{dropped['packets_dropped']} packets counted as dropped (1000 flows a message); {len(nodes)} nodes, "
              f"each described before use; {len(queries)} dnsquery as tshark sees the devices resolve")

        # ------------------------------------------------------ last will
        ctl.kill()
        t.wait_for("the broker to publish the last will", lambda: listener.last("spin/status") == "offline",
                   timeout=90)
        print("last will: spin/status offline after kill -9")
    listener.stop()
finally:
    broker.send_signal(signal.SIGTERM)
    broker.wait(timeout=20)
    broker_log.close()
print("mqtt: ok")
