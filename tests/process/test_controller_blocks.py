#!/usr/bin/env python3
"""Blocks kept in force by the controller, checked in the agent's own rule
list (spinctl agent rules): a block reaches the agent; an agent that restarts
(losing the rules it was ordered) gets it again; a controller that restarts
reloads it; a block with a duration is lifted when it expires; lifting a block
whose rule the agent's YAML already had leaves that rule in force."""
import os
import sys

import spintest as t

CAMERA, PHONE, TV = "02:53:50:49:4e:12", "02:53:50:49:4e:13", "02:53:50:49:4e:14"
d = t.workdir("ctl-blocks")
pub, cmd = t.free_port(), t.free_port()
cfg = t.write_config(os.path.join(d, "agent.yaml"), f"""
agent: {{id: home}}
digests: {{heartbeat: 0.5}}
blocks:
  - {{type: quarantine, mac: "{TV}", name: tv from the YAML}}
""")
db = os.path.join(d, "spin.db")
failures = []
agent = t.IdleAgent(cfg, d, pub, cmd).start(1)


def agent_rules():
    rules = agent.rules()
    return {(r["type"], r.get("mac")): r for r in rules} if rules is not None else None


ctl = t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], db=db)


def acknowledged(block_id):
    """Waits until the agent acknowledged the block (the POST answers after
    orders.timeout at the latest; a busy agent may answer later)."""
    return t.wait_for(f"block {block_id} acknowledged", lambda: [
        b for b in ctl.get("/blocks?all=true")["blocks"] if b["id"] == block_id and
        all(a["state"] == "acknowledged" for a in b["agents"])])[0]


try:
    t.wait_for("the agent at the controller", lambda: ctl.get("/agents")["agents"][0]["connected"])
    status, cam = ctl.request("POST", "/blocks", {"mac": CAMERA, "reason": "test"})
    assert status == 201, (status, cam)
    acknowledged(cam["id"])
    if ("quarantine", CAMERA) not in agent_rules():
        failures.append("the block is not among the agent's rules")

    # The agent restarts: its ordered rules are gone, the controller orders again.
    agent.stop()
    agent.start(2)
    t.wait_for("the block back in the restarted agent", lambda: (agent_rules() or {}).get(("quarantine", CAMERA)))
    print("agent restart: the controller ordered the block again")

    # The controller restarts (kill -9): the block is reloaded and still shown.
    ctl.kill()
    ctl = t.Controller([f"home=tcp://127.0.0.1:{pub},tcp://127.0.0.1:{cmd}"], db=db)
    blocks = ctl.get("/blocks")["blocks"]
    if [b["id"] for b in blocks] != [cam["id"]]:
        failures.append(f"after the controller's restart: blocks {blocks}")
    acknowledged(cam["id"])
    print("controller restart: the block was reloaded and acknowledged again")

    # A block that expires.
    status, short = ctl.request("POST", "/blocks", {"mac": PHONE, "duration": 1.5})
    assert status == 201, short
    t.wait_for("the expired block lifted in the agent",
               lambda: ("quarantine", PHONE) not in (agent_rules() or {(1, 1): 1}),
               timeout=15)
    lifted = [b for b in ctl.get("/blocks?all=true")["blocks"] if b["id"] == short["id"]]
    if not lifted or lifted[0]["active"] or lifted[0].get("removed_reason") != "expired":
        failures.append(f"expired block: {lifted}")
    print("expiry: the block was lifted in the agent and recorded as expired")

    # The YAML's own rule: blocking acknowledges it, lifting leaves it.
    status, tv = ctl.request("POST", "/blocks", {"mac": TV})
    assert status == 201, tv
    acknowledged(tv["id"])
    status, gone = ctl.request("DELETE", f"/blocks/{tv['id']}")
    rules = agent_rules()
    if status != 200 or ("quarantine", TV) not in rules or rules[("quarantine", TV)]["origin"] != "config":
        failures.append(f"lifting a block on the YAML's rule removed it: {status} {gone} {rules}")
    elif "configuration" not in gone["agents"][0].get("note", ""):
        failures.append(f"no note on the kept rule: {gone}")
    print("the agent's YAML rule stayed in force when the block on it was lifted")

    # Lifting the camera's block removes it from the agent.
    status, _ = ctl.request("DELETE", f"/blocks/{cam['id']}")
    if status != 200 or ("quarantine", CAMERA) in agent_rules():
        failures.append("unblock did not remove the camera's rule")
    t.wait_for("three unblock events (expiry, the TV, the camera)",
               lambda: len(ctl.get("/events?type=unblock")["events"]) == 3)
finally:
    agent.stop()
    ctl.stop()

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("PASS: blocks kept in force across agent and controller restarts, lifted at expiry, YAML rules respected")
