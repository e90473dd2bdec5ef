#!/usr/bin/env python3
"""Deployment (docs/deployment.md): what `meson install` lays out, the systemd
units, the host set-up command, and fail-open.

  - `meson install --destdir` puts the binaries, the units, the fail-open
    helper, the service user, the host set-up command, the web UI, the
    documentation and the default configurations in place; installing again
    keeps a configuration the box changed;
  - `systemd-analyze verify` finds nothing to say about the units, and
    `systemd-analyze security --offline` rates their sandboxing;
  - `spin-setup-host` in its dry run prints what it would do and changes
    nothing; with --apply --root it writes exactly those files there;
  - fail-open, in network namespaces, running the installed unit's own
    ExecStartPre= / ExecStart= / ExecStopPost= lines as systemd would, with a
    notify socket as systemd gives one: the agent says READY=1 and pings the
    watchdog; a device's UDP stream flows through it; `kill -9` of the agent
    stops it, ExecStopPost= bridges the two interfaces in the kernel and the
    stream flows again within seconds; ExecStartPre= removes the bridge, the
    agent starts again and meters the stream again."""
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

import netns
import spintest as t

BUILD = os.path.dirname(os.path.dirname(os.path.dirname(t.AGENT)))
work = t.workdir("deploy")
dest = os.path.join(work, "dest")


def install():
    p = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", dest, "--no-rebuild"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.returncode == 0, p.stdout[-3000:]
    return p.stdout


options = {o["name"]: o["value"] for o in json.loads(subprocess.run(
    ["meson", "introspect", BUILD, "--buildoptions"], stdout=subprocess.PIPE, text=True, check=True).stdout)}
PREFIX = options["prefix"]
SYSCONF = options["sysconfdir"] if options["sysconfdir"].startswith("/") else f"{PREFIX}/{options['sysconfdir']}"
install()
found = {os.path.relpath(os.path.join(d, f), dest) for d, _, fs in os.walk(dest) for f in fs}
want = [f"{PREFIX}/bin/spin-agent", f"{PREFIX}/bin/spin-controller", f"{PREFIX}/bin/spinctl",
        f"{PREFIX}/sbin/spin-setup-host", f"{PREFIX}/libexec/spin/spin-failopen",
        f"{PREFIX}/lib/systemd/system/spin-agent@.service", f"{PREFIX}/lib/systemd/system/spin-controller.service",
        f"{PREFIX}/lib/sysusers.d/spin.conf", f"{PREFIX}/share/spin/ui/index.html",
        f"{PREFIX}/share/doc/spin/deployment.md", f"{SYSCONF}/spin/agent.yaml", f"{SYSCONF}/spin/controller.yaml"]
missing = [w for w in want if w.lstrip("/") not in found]
assert not missing, f"meson install did not lay out {missing}"
# A box's own configuration survives an upgrade.
mine = os.path.join(dest, SYSCONF.lstrip("/"), "spin", "controller.yaml")
with open(mine, "a") as f:
    f.write("# this box's own line\n")
install()
assert open(mine).read().endswith("# this box's own line\n"), "installing again overwrote controller.yaml"
print(f"meson install: {len(found)} files under {PREFIX} and {SYSCONF}/spin; a changed controller.yaml is kept")


def in_dest(path):
    return os.path.join(dest, path.lstrip("/"))


# An installed path where it starts a word (after a space, =, or systemd's +): moved into the destdir.
INSTALLED = re.compile(r"(?<![\w/.])((?:" + re.escape(PREFIX) + "|" + re.escape(SYSCONF) + r")/)")


def into_dest(text):
    return INSTALLED.sub(lambda m: dest + m.group(1), text)


def unit_text(name):
    with open(in_dest(f"{PREFIX}/lib/systemd/system/{name}")) as f:
        return f.read()


# The units as installed, their paths pointed into the destdir, as systemd would read them.
units = os.path.join(work, "units")
os.makedirs(units)
for name, as_name in (("spin-controller.service", "spin-controller.service"),
                      ("spin-agent@.service", "spin-agent@home.service")):
    with open(os.path.join(units, as_name), "w") as f:
        f.write(into_dest(unit_text(name)))
paths = [os.path.join(units, u) for u in sorted(os.listdir(units))]
verify = subprocess.run(["systemd-analyze", "verify", "--man=no", *paths], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True)
assert verify.returncode == 0 and not verify.stdout.strip(), f"systemd-analyze verify:\n{verify.stdout}"
scores = {}
for path in paths:
    s = subprocess.run(["systemd-analyze", "security", "--offline=true", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True).stdout
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", s)
    assert m, s[-1000:]
    scores[os.path.basename(path)] = float(m.group(1))
assert scores["spin-controller.service"] <= 2.5 and scores["spin-agent@home.service"] <= 5.5, scores
print(f"systemd-analyze verify: clean; exposure (0 best, 10 worst): {scores}")

# ------------------------------------------------------------ spin-setup-host
setup = in_dest(f"{PREFIX}/sbin/spin-setup-host")
sysfs = os.path.join(work, "sysfs")
nic = os.path.join(sysfs, "bus/pci/devices/0000:01:00.0")
os.makedirs(os.path.join(nic, "net/enp1s0"))
os.makedirs(os.path.join(sysfs, "bus/pci/drivers/igc"))
os.symlink(os.path.join(sysfs, "bus/pci/drivers/igc"), os.path.join(nic, "driver"))
os.makedirs(os.path.join(sysfs, "devices/system/cpu"))
with open(os.path.join(sysfs, "devices/system/cpu/online"), "w") as f:
    f.write("0-3\n")
args = ["--lan", "0000:01:00.0", "--wan", "0000:02:00.0", "--workers", "2", "--sysfs", sysfs]
before = {p: os.stat(p).st_mtime for p in ("/etc/sysctl.d", "/etc/modules-load.d") if os.path.exists(p)}
dry = subprocess.run([sys.executable, setup, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
assert dry.returncode == 0, dry.stdout
for expected in ("dry run: nothing is changed", "would write /etc/sysctl.d/80-spin-hugepages.conf",
                 "vm.nr_hugepages = 1024", "isolcpus=1,2", "would run: modprobe vfio-pci", "0000:02:00.0",
                 "is the kernel's enp1s0 now (igc)", "0000:02:00.0 (--wan) is not on this machine",
                 "cpus: [0, 1, 2]"):
    assert expected in dry.stdout, f"the dry run does not say {expected!r}:\n{dry.stdout}"
assert not os.path.exists("/etc/sysctl.d/80-spin-hugepages.conf") and not os.path.exists(
    "/etc/modules-load.d/spin-vfio-pci.conf")
assert before == {p: os.stat(p).st_mtime for p in before}, "the dry run changed /etc"
bad = subprocess.run([sys.executable, setup, "--lan", "eth0", "--wan", "0000:02:00.0"], stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, text=True)
assert bad.returncode == 2 and "is not a PCI address" in bad.stdout, bad.stdout
root = os.path.join(work, "root")
applied = subprocess.run([sys.executable, setup, *args, "--apply", "--root", root], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
assert applied.returncode == 0, applied.stdout
written = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
assert written == ["etc/default/grub.d/80-spin.cfg", "etc/modules-load.d/spin-vfio-pci.conf",
                   "etc/spin/ports.yaml.example", "etc/sysctl.d/80-spin-hugepages.conf"], written
assert "skipped (--root): modprobe vfio-pci" in applied.stdout
print(f"spin-setup-host: the dry run lists {dry.stdout.count('would ')} steps and changes nothing; "
      f"--apply --root writes {len(written)} files")

# ------------------------------------- the controller under a notify socket
def notify_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.2)
    return s


def hear(sock, want, proc, timeout):
    """Messages on a notify socket until one holds `want`."""
    said, deadline = [], time.time() + timeout
    while time.time() < deadline and not any(want in m for m in said):
        try:
            said.append(sock.recv(4096).decode())
        except socket.timeout:
            assert proc.poll() is None, f"exited {proc.returncode}"
    assert any(want in m for m in said), f"no {want} within {timeout} s: {said}"
    return said


def waiting(sock):
    """The messages a notify socket holds now, taken from it."""
    sock.setblocking(False)
    said = []
    try:
        while True:
            said.append(sock.recv(4096).decode())
    except BlockingIOError:
        pass
    sock.settimeout(0.2)
    return said


controller_notify = notify_socket(os.path.join(work, "controller-notify"))
controller = subprocess.Popen([in_dest(f"{PREFIX}/bin/spin-controller"), "--listen", f"127.0.0.1:{t.free_port()}",
                               "--db", os.path.join(work, "spin.db")],
                              env=dict(os.environ, NOTIFY_SOCKET=controller_notify.getsockname(),
                                       WATCHDOG_USEC="1000000"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
said = hear(controller_notify, "WATCHDOG=1", controller, 30)
assert said[0].startswith("READY=1"), said
controller.send_signal(signal.SIGTERM)
assert controller.wait(timeout=30) == 0
last_words = waiting(controller_notify)
assert "STOPPING=1" in last_words, last_words
print("controller: READY=1 once it serves, WATCHDOG=1 from its loop, STOPPING=1 on SIGTERM")

# ------------------------------------------------------------- fail-open
reason = netns.can_create_namespaces()
if reason:
    t.skip(f"fail-open: {reason}")


def exec_lines(key):
    """The unit's Exec lines of one kind, split, with systemd's prefixes (+ - @ !) dropped."""
    lines = [line.split("=", 1)[1] for line in unit_text("spin-agent@.service").splitlines()
             if line.startswith(key + "=")]
    out = []
    for line in lines:
        argv = shlex.split(line.replace("%i", "home"))
        argv[0] = argv[0].lstrip("+-@!:")
        out.append([into_dest(a) for a in argv])
    return out


start_pre, start, stop_post = exec_lines("ExecStartPre"), exec_lines("ExecStart"), exec_lines("ExecStopPost")
assert len(start) == 1 and start_pre and stop_post, (start_pre, start, stop_post)
DEVICE, SERVER, PORT = "10.77.0.10", "10.77.0.1", 40400
# The server notes when each datagram arrives; the device sends one every 20 ms.
RECEIVER = """
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("{server}", {port}))
with open("{arrivals}", "a", buffering=1) as f:
    while True:
        s.recv(100)
        f.write(f"{{time.time()}}\\n")
"""
SENDER = """
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    try:
        s.sendto(b"stream", ("{server}", {port}))
    except OSError:
        pass
    time.sleep(0.02)
"""

topo = netns.Topology(work)
bridge = f"spfo-{topo.lan_if}"[:15]
try:
    with topo:
        pub, cmd = t.free_port(), t.free_port()
        # The shipped agent.yaml with this box's ports and id; its endpoints on the command line.
        shipped = open(os.path.join(t.project_root(), "config", "agent.yaml")).read()
        shipped = shipped.replace("  id: spin-agent ", "  id: home ", 1).replace(
            '  # lan: "0000:01:00.0"', f'  lan: "net_af_packet0,iface={topo.lan_if}"', 1).replace(
            '  # wan: "0000:01:00.1"', f'  wan: "net_af_packet1,iface={topo.wan_if}"', 1)
        with open(in_dest(f"{SYSCONF}/spin/home.yaml"), "w") as f:
            f.write(shipped)
        start[0] += ["--publish", f"tcp://127.0.0.1:{pub}", "--commands", f"tcp://127.0.0.1:{cmd}"]
        netns.run("ip", "addr", "add", f"{DEVICE}/24", "dev", "eth0", ns=topo.lan)
        netns.run("ip", "addr", "add", f"{SERVER}/24", "dev", "eth0", ns=topo.wan)
        arrivals = os.path.join(work, "arrivals")
        topo.start(["python3", "-c", RECEIVER.format(server=SERVER, port=PORT, arrivals=arrivals)], ns=topo.wan)
        topo.start(["python3", "-c", SENDER.format(server=SERVER, port=PORT)], ns=topo.lan)

        def last_arrival():
            try:
                with open(arrivals) as f:
                    lines = f.read().split()
                return float(lines[-1]) if lines else 0
            except OSError:
                return 0

        notify_path = os.path.join(work, "notify")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.settimeout(0.2)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="1000000",
                   STATE_DIRECTORY=os.path.join(work, "state"))
        os.makedirs(env["STATE_DIRECTORY"], mode=0o700)
        log = open(os.path.join(work, "unit.log"), "a")

        def run_unit_lines(lines):
            for argv in lines:
                p = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, env=env, timeout=30)
                assert p.returncode == 0, f"{argv} exited {p.returncode}: {open(log.name).read()[-2000:]}"

        def start_agent():
            waiting(notify)  # what an earlier run said is not this one's
            run_unit_lines(start_pre)
            agent = topo.start(start[0], log=os.path.join(work, "agent.log"), env=env)
            said, deadline = [], time.time() + 60
            while time.time() < deadline and not any("WATCHDOG=1" in m for m in said):
                try:
                    said.append(notify.recv(4096).decode())
                except socket.timeout:
                    assert agent.poll() is None, open(os.path.join(work, "agent.log")).read()[-3000:]
            assert said and said[0].startswith("READY=1"), said
            assert any("WATCHDOG=1" in m for m in said), f"no watchdog ping within a minute: {said}"
            return agent, said

        def bridges():
            return netns.run("ip", "-o", "link", "show", "type", "bridge").stdout

        def lan_rx():
            p = subprocess.run([t.SPINCTL, "agent", "stats", "--connect", f"tcp://127.0.0.1:{cmd}", "--timeout", "2"],
                               stdout=subprocess.PIPE, text=True)
            return json.loads(p.stdout)["stats"]["counters"]["lan_rx_pkts"] if p.returncode == 0 else None

        agent, said = start_agent()
        assert "spfo-" not in bridges()
        t.wait_for("the stream through the agent", lambda: last_arrival() > time.time() - 0.5, timeout=20)
        rx = lan_rx()
        t.wait_for("the agent to meter the stream", lambda: (lan_rx() or 0) > rx + 10, timeout=10)
        print(f"agent: {said[0].split(chr(10))[0]} then WATCHDOG=1 (WATCHDOG_USEC 1 s); "
              "the stream flows and is metered")

        # kill -9: what systemd sees as the main process dying.
        agent.send_signal(signal.SIGKILL)
        agent.wait()
        killed = time.time()
        time.sleep(0.5)
        assert last_arrival() < killed + 0.1, "the stream went on with the agent dead and no bridge"
        run_unit_lines(stop_post)  # systemd runs ExecStopPost= at once
        assert bridge in bridges(), bridges()
        t.wait_for("the stream through the kernel bridge", lambda: last_arrival() > killed + 0.5, timeout=10)
        gap = last_arrival() - killed
        # Only the bridge carries it: no agent runs.
        assert subprocess.run(["pgrep", "-f", f"iface={topo.lan_if}"], stdout=subprocess.DEVNULL).returncode != 0
        print(f"kill -9: ExecStopPost bridged {topo.lan_if} and {topo.wan_if}; the stream flowed again "
              f"{gap:.1f} s after the kill (0.5 s of it waiting to see the outage)")

        # systemd restarts it (Restart=always): ExecStartPre takes the bridge away first.
        agent, said = start_agent()
        assert "spfo-" not in bridges(), bridges()
        rx = lan_rx()
        t.wait_for("the agent to meter the stream again", lambda: (lan_rx() or 0) > rx + 10, timeout=10)
        t.wait_for("the stream through the agent again", lambda: last_arrival() > time.time() - 0.5, timeout=10)
        topo.stop_agent(agent)
        run_unit_lines(stop_post)  # a clean stop bridges too: the home stays online while SPIN is off
        t.wait_for("the stream after a clean stop", lambda: last_arrival() > time.time() - 0.5, timeout=10)
        run_unit_lines(start_pre)
        assert "spfo-" not in bridges()
        log.close()
        print("restart: ExecStartPre removed the bridge, the agent meters the stream again; a clean stop bridges too")
finally:
    # The fail-open bridge outlives the veths it joined: it goes too, whatever happened.
    subprocess.run(["ip", "link", "del", bridge], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("deploy: ok")
