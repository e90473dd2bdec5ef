"""Network namespaces joined through spin-agent, for end-to-end tests.

    lan namespace                root namespace                 wan namespace
    eth0 (the device) <-veth-> sl<N>  [spin-agent]  sw<N> <-veth-> eth0 (servers)

The agent runs in the root namespace on net_af_packet over sl<N> / sw<N>.
Only addresses inside the namespaces are used (10.77.0.0/24, fd77::/64).
Everything is removed on exit, also when the test fails."""

import os
import shutil
import signal
import subprocess
import time

import spintest


# The Internet checksum (RFC 1071), for scripts that write raw frames inside
# a namespace (python3 -c): prepend it to the script's text.
INET_CHECKSUM = r"""
import struct as _struct
def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(_struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
"""


def run(*cmd, ns=None, check=True, timeout=30, **kw):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(full)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def can_create_namespaces():
    """None, or why this machine cannot run the test."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("ip", "ethtool", "dnsmasq", "dhclient", "curl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (tools/install-deps installs it)"
    name, veth = f"spinprobe{os.getpid()}", f"spv{os.getpid() % 100000}"
    p = subprocess.run(["ip", "netns", "add", name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        return f"cannot create a network namespace: {p.stderr.strip()}"
    p = subprocess.run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    subprocess.run(["ip", "link", "del", veth], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "del", name])
    if p.returncode != 0:
        return f"cannot create a veth pair into a namespace: {p.stderr.strip()}"
    return None


class Topology:
    def __init__(self, workdir):
        n = os.getpid() % 100000
        self.lan, self.wan = f"spinlan{n}", f"spinwan{n}"
        self.lan_if, self.wan_if = f"sl{n}", f"sw{n}"
        self.dir = workdir
        self.procs = []

    def __enter__(self):
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _build(self):
        for ns, root_if in ((self.lan, self.lan_if), (self.wan, self.wan_if)):
            run("ip", "netns", "add", ns)
            run("ip", "link", "add", root_if, "type", "veth", "peer", "name", "eth0", "netns", ns)
            # The root end is the agent's port: no addresses, no IPv6 chatter of its own.
            run("sysctl", "-qw", f"net.ipv6.conf.{root_if}.disable_ipv6=1")
            run("ip", "link", "set", root_if, "up")
            run("ip", "link", "set", "lo", "up", ns=ns)
            run("ip", "link", "set", "eth0", "up", ns=ns)
            # af_packet hands the agent frames as the kernel holds them: no
            # segmentation offload (frames bigger than the MTU) and no
            # checksum offload (checksums left for hardware that is not there).
            for args in (["ethtool", "-K", root_if], ["ip", "netns", "exec", ns, "ethtool", "-K", "eth0"]):
                subprocess.run(args + ["tx", "off", "rx", "off", "tso", "off", "gso", "off", "gro", "off"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.makedirs(f"/etc/netns/{self.lan}", exist_ok=True)
        with open(f"/etc/netns/{self.lan}/resolv.conf", "w") as f:
            f.write("nameserver 10.77.0.1\n")

    def start_agent(self, agent_id, pub, cmd, *extra, config=None):
        """spin-agent with `config` (default config/agent.yaml as shipped),
        bridging the two namespaces on net_af_packet, once it answers a ping
        on `cmd`."""
        log = os.path.join(self.dir, "agent.log")
        config = config or os.path.join(spintest.project_root(), "config", "agent.yaml")
        agent = self.start([spintest.AGENT, "--config", config,
                            "--lan", f"net_af_packet0,iface={self.lan_if}",
                            "--wan", f"net_af_packet1,iface={self.wan_if}",
                            "--publish", pub, "--commands", cmd, "--agent-id", agent_id, *extra], log=log)
        wait_for("the agent to answer a ping", lambda: agent.poll() is not None or subprocess.run(
            [spintest.SPINCTL, "agent", "ping", "--connect", cmd, "--timeout", "0.5"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0)
        if agent.poll() is not None:
            raise AssertionError("spin-agent exited:\n" + open(log).read())
        return agent

    def stop_agent(self, agent):
        """SIGINT, and the clean exit it must give."""
        agent.send_signal(signal.SIGINT)
        agent.wait(timeout=30)
        assert agent.returncode == 0, open(os.path.join(self.dir, "agent.log")).read()[-3000:]

    def lease(self, *dhclient_args):
        """A DHCP lease for the LAN namespace's eth0 by dhclient (extra
        arguments e.g. -cf FILE); returns the address leased.  dhclient's pid
        file is dhclient.pid in the work directory."""
        script = os.path.join(self.dir, "dhclient-script")
        with open(script, "w") as f:
            # Only the address and route: dhclient-script would rewrite the
            # host's /etc/resolv.conf.
            f.write('#!/bin/sh\ncase "$reason" in BOUND|RENEW|REBIND|REBOOT)\n'
                    '  ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"\n'
                    '  ip route replace default via "$new_routers" ;;\nesac\nexit 0\n')
        os.chmod(script, 0o755)
        run("dhclient", "-4", "-1", *dhclient_args, "-lf", os.path.join(self.dir, "dhclient.leases"),
            "-pf", os.path.join(self.dir, "dhclient.pid"), "-sf", script, "eth0", ns=self.lan, timeout=60)
        addr = run("ip", "-4", "-o", "addr", "show", "dev", "eth0", ns=self.lan).stdout
        return addr.split("inet ")[1].split("/")[0]

    def start(self, cmd, ns=None, log=None, **kw):
        full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
        out = open(log, "w") if log else subprocess.DEVNULL
        p = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for ns in (self.lan, self.wan):
            # Daemons that left their parent (dhclient) die with the namespace's processes.
            pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for root_if in (self.lan_if, self.wan_if):
            subprocess.run(["ip", "link", "del", root_if], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(f"/etc/netns/{self.lan}", ignore_errors=True)


wait_for = spintest.wait_for
