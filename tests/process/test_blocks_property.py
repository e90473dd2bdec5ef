#!/usr/bin/env python3
"""Every block the controller shows as in force is a rule in force in the
agent, and nothing else is: a property test over random sequences of API
blocks and unblocks against a real agent, spelling the same rule in the ways
a user would (host bits set or not, a bare address or /32, MAC case and
dashes, a name's case and trailing dot, the API's first type names).

Oracle: Python's own ipaddress module and string rules decide which
requests are the same rule; two requests that are must give one block (the
second answered 409), and after every step the agent's rule list
(`spinctl agent rules`) must equal the controller's blocks in force plus the
agent's YAML rule.  Halfway the agent restarts (losing what it was ordered)
and must be given every block again.  SPIN_SEED repeats a run."""
import ipaddress
import os
import random
import sys

import spintest as t

SEED = int(os.environ.get("SPIN_SEED", random.randrange(1 << 30)))
STEPS = 120
rng = random.Random(SEED)
DEVICES = ["02:53:50:49:4e:12", "02:53:50:49:4e:13", "0a:00:27:00:00:05"]
YAML_DEVICE = "02:53:50:49:4e:14"
REMOTES = ["10.0.0.1/24", "10.0.0.0/24", "10.0.0.255/24", "10.0.0.1", "10.0.0.1/32", "2001:db8::/32",
           "2001:DB8:0::1/32", "2001:db8::7", "2001:0db8:0:0::7/128", "198.51.100.77/16"]
DOMAINS = ["example.com", "Example.COM.", "*.tracker.example", "*.TRACKER.example.", "cdn.example.net"]


def spell_mac(mac):
    return rng.choice([mac, mac.upper(), mac.replace(":", "-"), mac.upper().replace(":", "-")])


def request():
    """A random block request, and the rule it means by the oracle's reading."""
    mac = rng.choice(DEVICES + [YAML_DEVICE])
    kind = rng.choice(["quarantine", "device_remote", "device_name"])
    body = {"mac": spell_mac(mac)}
    if kind == "quarantine":
        if rng.random() < 0.5:
            body["type"] = "quarantine"
        return body, ("quarantine", mac, None)
    if kind == "device_remote":
        text = rng.choice(REMOTES)
        body.update(type=rng.choice(["device_remote", "remote"]), remote=text)
        return body, ("device_remote", mac, str(ipaddress.ip_network(text, strict=False)))
    text = rng.choice(DOMAINS)
    body.update(type=rng.choice(["device_name", "name"]), domain=text)
    return body, ("device_name", mac, text.lower().rstrip("."))


def rule_of(r):
    """The oracle's key of a rule or block as the agent or the API shows it."""
    value = r.get("remote") or r.get("domain")
    if r["type"] == "device_remote":
        value = str(ipaddress.ip_network(value))  # strict: the shown prefix must have clear host bits
    return (r["type"], r["mac"], value)


d = t.workdir("blocks-property")
pub, cmd = t.free_port(), t.free_port()
cfg = t.write_config(os.path.join(d, "agent.yaml"), f"""
agent: {{id: home}}
digests: {{heartbeat: 0.5}}
blocks:
  - {{type: quarantine, mac: "{YAML_DEVICE.upper()}", name: from the YAML}}
""")
YAML_RULES = {("quarantine", YAML_DEVICE, None)}
agent = t.IdleAgent(cfg, d, pub, cmd)


def agent_rules():
    listed = agent.rules()
    if listed is None:
        return None
    rules = [rule_of(r) for r in listed]
    assert len(rules) == len(set(rules)), f"the agent holds one rule twice: {rules}"
    return set(rules)


def in_force(ctl):
    blocks = ctl.get("/blocks")["blocks"]
    keys = [rule_of(b) for b in blocks]
    assert len(keys) == len(set(keys)), f"two blocks in force are one rule: {blocks}"
    return blocks, set(keys)


def consistent(ctl):
    """None when the agent holds exactly the blocks in force (all acknowledged) and its YAML rule."""
    blocks, keys = in_force(ctl)
    pending = [b["id"] for b in blocks if any(a["state"] != "acknowledged" for a in b["agents"])]
    rules = agent_rules()
    if pending or rules is None or rules != keys | YAML_RULES:
        return None
    return True


agent.start(1)
ctl = t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], db=os.path.join(d, "spin.db"))
failures, made, refused, lifted = [], 0, 0, 0
try:
    t.wait_for("the agent at the controller", lambda: ctl.get("/agents")["agents"][0]["connected"])
    t.wait_for("the agent taking orders", lambda: agent_rules() is not None)
    expected = {}  # oracle key -> block id, for blocks in force
    for step in range(STEPS):
        if step == STEPS // 2:
            agent.stop()
            agent.start(2)
            t.wait_for("the restarted agent given every block again", lambda: consistent(ctl), timeout=30)
        if expected and rng.random() < 0.4:
            key, block_id = rng.choice(sorted(expected.items()))
            status, body = ctl.request("DELETE", f"/blocks/{block_id}")
            if status != 200:
                failures.append(f"step {step}: DELETE {block_id} ({key}): {status} {body}")
            del expected[key]
            lifted += 1
            # An id lifted before is refused, and changes nothing.
            status, _ = ctl.request("DELETE", f"/blocks/{block_id}")
            if status != 409:
                failures.append(f"step {step}: DELETE {block_id} again: {status}, not 409")
        else:
            body, key = request()
            status, answer = ctl.request("POST", "/blocks", body)
            if key in expected:
                refused += 1
                if status != 409 or answer.get("block", {}).get("id") != expected[key]:
                    failures.append(f"step {step}: {body} is block {expected[key]}'s rule {key}, "
                                    f"answered {status} {answer}")
            elif status != 201:
                failures.append(f"step {step}: {body} ({key}): {status} {answer}")
            else:
                made += 1
                expected[key] = answer["id"]
                if rule_of(answer) != key:
                    failures.append(f"step {step}: {body} shown as {rule_of(answer)}, the oracle reads {key}")
        try:
            t.wait_for(f"step {step}: the agent's rules equal the blocks in force", lambda: consistent(ctl), timeout=10)
        except AssertionError as e:
            failures.append(f"{e}: agent {sorted(agent_rules() or [])}, controller {sorted(in_force(ctl)[1])}")
            break
        if in_force(ctl)[1] != set(expected):
            failures.append(f"step {step}: blocks in force {sorted(in_force(ctl)[1])}, expected {sorted(expected)}")
            break
finally:
    agent.stop()
    ctl.stop()

if failures:
    print(f"FAIL (SPIN_SEED={SEED}):\n" + "\n".join(failures[:10]))
    print(ctl.log_text()[-3000:])
    sys.exit(1)
print(f"PASS (SPIN_SEED={SEED}): {STEPS} steps, {made} blocks made, {refused} requests of the same rule refused, "
      f"{lifted} lifted, one agent restart; the agent's rules equalled the blocks in force after every step")
