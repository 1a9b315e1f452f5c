"""Fleet scale: a cluster of 300 nodes on 100 SSH hosts stays live.

What is real: 100 OpenSSH sshd, one per simulated host on its own loopback address (127.0.1.x),
each in its own PID namespace (`unshare --pid --mount-proc`), so a host's process listing shows
only its own processes, as on a real host; one SSH connection per host from rocketui; rocketui's
own status poll (process listing + socket table in one round trip per host, the namesrvs asked
over SSH tunnels) and its TUI (headless).
The hosts are logged into as a dedicated user with /bin/sh (created and removed by the bench), as
operators often run RocketMQ: a hundred root bash logins at once would each run the machine's
shell start-up files (here `pyenv rehash`, which serialises on a lock).
The simulated hosts' processes are in one CPU cgroup (bench/fleet_cpu.py): on one 2-core
machine they would otherwise weigh as 100 competitors against the TUI, which remote hosts never
are; the key latency is also measured with them released, as before that change.
What is stood in: every node is a small Python process (bench/fleet/standin.py) started through
its host's SSH connection with rocketui's own detached start, whose argv looks like its RocketMQ
JVM (argv[0] `.../java`, the main class, `-c` its file) and that listens on its port; the three
namesrv stand-ins answer GET_BROKER_CLUSTER_INFO with every broker registered.

Measured in one run:
  first frame      `rocketui fleet.yaml` vs `rocketui two-node.yaml` (fresh processes, headless,
                   medians; target fleet <= 1.5x the 2-node cluster's)
  status refresh   `Operations.status_all()` of all 300 nodes after the first poll (median, max;
                   target <= 1 s); anchor: OpenSSH `ssh host <the same listing script>` per host
                   in sequence; and the same refresh with one host frozen (SIGSTOP: a dead host),
                   the first poll after each of several freezes apart from the later ones
  key latency      p50/p99 of a key press handled while the TUI polls every second (target p99
                   < 100 ms), and how much of that time the TUI's main thread waited for a core
  memory           peak RSS of the TUI process (target < 250 MB)
Usage: python bench/fleet.py [--hosts 100] [--per-host 3] [--polls 7] [--freezes 5]   (root: unshare, sshd)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fleet_cpu import HostsCpuGroup
from rocketui.backends import ssh_scripts
from rocketui.model.cluster import Cluster
from rocketui.model.command import Command
from tests.support.sshd import ClientKeys, SSHServer, _children, _keygen, sshd_available

STANDIN = REPO / "bench" / "fleet" / "standin.py"
SSH_PORT = 2222
NAMESRVS = 3
MAIN = {"namesrv": "org.apache.rocketmq.namesrv.NamesrvStartup", "broker": "org.apache.rocketmq.broker.BrokerStartup"}


class NamespacedSSHServer(SSHServer):
    """An sshd alone in a new PID namespace: its sessions see only that host's processes."""

    def start(self) -> None:
        import socket

        config = self.dir / "sshd_config"
        from tests.support.sshd import CONFIG

        config.write_text(
            CONFIG.format(address=self.address, port=self.port, dir=self.dir, authorized_keys=self.keys.authorized_keys)
            + "MaxStartups 200\n"
        )
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        with open(self.dir / "sshd.log", "ab") as log:
            self.proc = subprocess.Popen(
                ["unshare", "--pid", "--fork", "--mount-proc", "/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.address, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd on {self.address} did not start: {(self.dir / 'sshd.log').read_text()[-500:]}")


def layout(hosts: int, per_host: int) -> list[dict[str, object]]:
    """Nodes: 3 namesrvs on the first hosts, brokers in groups of a master and two slaves on
    consecutive hosts; ports 9876 / 10911, 10921, … per host."""
    nodes: list[dict[str, object]] = []
    used: dict[int, int] = {}
    for i in range(NAMESRVS):
        nodes.append({"name": f"ns-{i}", "kind": "namesrv", "host": i, "port": 9876})
        used[i] = 1
    total = hosts * per_host - NAMESRVS
    for k in range(total):
        host = (k + NAMESRVS) % hosts
        port = 10911 + 10 * (used.get(host, 0))
        used[host] = used.get(host, 0) + 1
        group, bid = divmod(k, 3)
        nodes.append(
            {
                "name": f"b{group:03d}-{bid}",
                "kind": "broker",
                "host": host,
                "port": port,
                "broker_name": f"g{group:03d}",
                "broker_id": bid,
            }
        )
    return nodes


def address(host: int) -> str:
    return f"127.0.1.{host + 1}"


USER = f"rocketui-fleet{os.getpid()}"


def add_user(root: Path) -> None:
    subprocess.run(["useradd", "--no-create-home", "--home-dir", str(root), "--shell", "/bin/sh", USER], check=True)
    subprocess.run(["usermod", "-p", "*", USER], check=True)  # not locked: key logins only


def cluster_yaml(root: Path, hosts: int, nodes: list[dict[str, object]], keys: ClientKeys, known: Path) -> str:
    lines = [
        "cluster: Fleet",
        f'rocketmq: {{home: {root}/rocketmq, version: "5.5.0"}}',
        f"work_dir: {root}/work",
        "hosts:",
    ]
    for h in range(hosts):
        lines.append(
            f"  h{h:03d}: {{backend: ssh, address: {address(h)}, port: {SSH_PORT}, user: {USER}, "
            f"identity_file: {keys.key}, known_hosts: {known}}}"
        )
    lines.append("nodes:")
    for n in nodes:
        extra = (
            f", broker_name: {n['broker_name']}, broker_id: {n['broker_id']}, config: {root}/conf/{n['name']}.properties"
            if n["kind"] == "broker"
            else f", listen_address: {address(int(n['host']))}"  # type: ignore[call-overload]
        )
        lines.append(f"  - {{name: {n['name']}, kind: {n['kind']}, host: h{n['host']:03d}, port: {n['port']}{extra}}}")
    return "\n".join(lines) + "\n"


def cluster_info(nodes: list[dict[str, object]]) -> bytes:
    brokers: dict[str, dict[str, object]] = {}
    for n in nodes:
        if n["kind"] == "broker":
            entry = brokers.setdefault(
                str(n["broker_name"]), {"cluster": "Fleet", "brokerName": n["broker_name"], "brokerAddrs": {}}
            )
            entry["brokerAddrs"][str(n["broker_id"])] = f"{address(int(n['host']))}:{n['port']}"  # type: ignore[index, call-overload]
    return json.dumps({"brokerAddrTable": brokers, "clusterAddrTable": {"Fleet": sorted(brokers)}}).encode()


async def start_standins(cluster: Cluster, root: Path, info: Path) -> None:
    from rocketui.usecases.operations import Operations

    ops = Operations(cluster)
    java = root / "bin" / "java"
    python = "/usr/bin/python3"  # the login user cannot reach this interpreter's home

    gate = asyncio.Semaphore(12)  # 300 Python starts at once would starve two cores

    async def one(name: str) -> None:
        async with gate:
            await start_one(name)

    async def start_one(name: str) -> None:
        node = cluster.node(name)
        backend = ops.pool.get(node.host)
        config = f"{cluster.run_dir(node)}/namesrv.properties" if node.kind.value == "namesrv" else node.config
        argv = [str(java), "-", "-server", "-Xmx256m", "-cp", f"{root}/lib/*", MAIN[node.kind.value], "-c", str(config)]
        script = f"exec -a {shlex.quote(argv[0])} {shlex.join([python, *argv[1:]])} < {shlex.quote(str(root / 'standin.py'))}"
        env = {"STANDIN_ADDRESS": cluster.advertised_address(node), "STANDIN_PORT": str(node.port)}
        if node.kind.value == "namesrv":
            env["STANDIN_CLUSTER_INFO"] = str(info)
        await backend.makedirs(cluster.run_dir(node))
        await backend.start_detached(
            Command.of(["bash", "-c", script], env), output=f"{cluster.run_dir(node)}/stdout.log"
        )

    try:
        await asyncio.gather(*(one(n.name) for n in cluster.nodes))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            statuses = await ops.status_all()
            up = sum(1 for s in statuses.values() if s.state.value == "running")
            if up == len(cluster.nodes):
                return
            await asyncio.sleep(1)
        first = cluster.nodes[0]
        try:
            said = (await ops.pool.get(first.host).read_file(f"{cluster.run_dir(first)}/stdout.log")).decode()
        except (OSError, FileNotFoundError) as exc:
            said = str(exc)
        states = {s.state.value for s in statuses.values()}
        raise RuntimeError(
            f"only {up} of {len(cluster.nodes)} stand-ins came up ({states}); {first.name} said: {said[-800:]}"
        )
    finally:
        await ops.close()


async def refresh_times(cluster: Cluster, polls: int) -> tuple[list[float], int, int]:
    """(each poll's seconds, nodes running in the last, rows shown late — "no answer yet" — in all
    the polls: a live host that missed the poll's grace)."""
    from rocketui.services.node_status import LATE
    from rocketui.usecases.operations import Operations

    ops = Operations(cluster)
    try:
        await ops.status_all()  # connects every host
        times = []
        running = late = 0
        for _ in range(polls):
            t0 = time.perf_counter()
            statuses = await ops.status_all()
            times.append(time.perf_counter() - t0)
            running = sum(1 for s in statuses.values() if s.state.value == "running")
            late += sum(1 for s in statuses.values() if s.host_state.startswith(LATE))
            await asyncio.sleep(0.2)
        return times, running, late
    finally:
        await ops.close()


@dataclass
class Frozen:
    first: list[float] = field(default_factory=list)  # the poll right after each freeze
    later: list[float] = field(default_factory=list)  # the other polls while frozen
    shown: list[str] = field(default_factory=list)  # its nodes' state in the first and the last poll
    others_late: int = 0  # rows of the other hosts shown late ("no answer yet") while it was frozen
    rows: int = 0  # rows of the other hosts in those polls


async def frozen_times(cluster: Cluster, polls: int, server: SSHServer, cycles: int) -> Frozen:
    """`cycles` times: freeze one host (SIGSTOP: a dead host), `polls` polls, thaw, and poll
    until its nodes run again.  The first poll after a freeze is the one that finds the host
    silent; the later ones already know."""
    from rocketui.services.node_status import LATE
    from rocketui.usecases.operations import Operations

    ops = Operations(cluster)
    mine = [n.name for n in cluster.nodes if cluster.host(n.host).address == server.address]
    result = Frozen()

    async def all_back() -> None:  # its nodes running and its connection up: a clean start
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = await ops.status_all()
            if all(statuses[n].state.value == "running" and statuses[n].host_state == "connected" for n in mine):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{server.address}'s nodes were not all running within 60 s")

    try:
        await all_back()  # the first poll connects every host
        for _ in range(cycles):
            server.freeze()
            try:
                for i in range(polls):
                    t0 = time.perf_counter()
                    statuses = await ops.status_all()
                    (result.first if i == 0 else result.later).append(time.perf_counter() - t0)
                    others = [st for name, st in statuses.items() if name not in mine]
                    result.rows += len(others)
                    result.others_late += sum(1 for st in others if st.host_state.startswith(LATE))
                    if i in (0, polls - 1):
                        result.shown.append(f"{statuses[mine[0]].state.value} / {statuses[mine[0]].host_state}")
                    await asyncio.sleep(0.2)
            finally:
                server.thaw()
            await all_back()
        return result
    finally:
        server.thaw()
        await ops.close()


def anchor_poll(servers: list[SSHServer], known: Path, cluster: Cluster) -> float:
    """OpenSSH, one host after another, each asked what rocketui asks it (its nodes' ports)."""
    scripts = {
        s.address: ssh_scripts.snapshot_script(
            "java", frozenset(n.port for n in cluster.nodes if cluster.host(n.host).address == s.address)
        )
        for s in servers
    }
    t0 = time.perf_counter()
    for s in servers:
        script = scripts[s.address]
        argv = s.ssh_argv(known_hosts=known)
        argv[-1] = f"{USER}@{s.address}"
        out = subprocess.run([*argv, "-o", "ControlMaster=no", script], capture_output=True)
        if not out.stdout.startswith(b"rocketui-procs "):
            raise RuntimeError(out.stderr.decode(errors="replace"))
    return time.perf_counter() - t0


FIRST_FRAME = """
import sys, time
t0 = float(sys.argv[1])
from rocketui.app import RocketUI
from rocketui.screens.main import MainScreen
original = MainScreen.on_mount
def timed(self):
    original(self)
    self.call_after_refresh(lambda: self.app.exit(time.time() - t0))
MainScreen.on_mount = timed
run = RocketUI.run
def headless(self, **kw):
    r = run(self, headless=True, size=(160, 48)); print(r); return r
RocketUI.run = headless
from rocketui.cli import main
main([sys.argv[2]])
"""


def first_frame(cluster_file: Path) -> float:
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(t0), str(cluster_file)], capture_output=True, text=True, cwd=REPO
    )
    return float(out.stdout.strip().splitlines()[-1])


async def key_latency(cluster_file: str, seconds: float) -> None:
    """Runs in a fresh process (so its RSS is the TUI's): prints p50, p99 (ms) of a key handled
    while the TUI polls every second, and the peak RSS (MB)."""
    from textual import events
    from textual.binding import Binding

    import rocketui.app
    from rocketui.model.loader import load_cluster
    from rocketui.screens.main import MainScreen

    latencies: list[float] = []
    sent: list[float] = []
    schedstat = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")

    def waited() -> float:  # seconds this thread was runnable but not running
        return int(schedstat.read_text().split()[1]) / 1e9

    class Timed(MainScreen):
        BINDINGS = [*MainScreen.BINDINGS, Binding("f9", "ping", show=False)]

        def action_ping(self) -> None:
            if sent:
                latencies.append(time.perf_counter() - sent.pop(0))

    rocketui.app.MainScreen = Timed  # type: ignore[misc]  # the app pushes this one
    app = rocketui.app.RocketUI(load_cluster(cluster_file), poll_interval=1.0)
    app.freeze_startup_objects = True  # as in a real terminal
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(3.0)  # the first polls connect every host
        began, wait0 = time.monotonic(), waited()
        end = began + seconds
        while time.monotonic() < end:
            sent.append(time.perf_counter())
            app.post_message(events.Key("f9", None))
            await asyncio.sleep(0.05)
        wait_share = (waited() - wait0) / (time.monotonic() - began)
        await pilot.pause(0.5)
    latencies.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(statistics.median(latencies) * 1000, p99 * 1000, rss, wait_share * 100, len(latencies))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--per-host", type=int, default=3)
    parser.add_argument("--polls", type=int, default=7)
    parser.add_argument("--freezes", type=int, default=5, help="freeze cycles of one host")
    parser.add_argument("--seconds", type=float, default=20.0, help="key-latency phase")
    parser.add_argument("--keys-phase", metavar="CLUSTER_FILE", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="leave the fleet running (debugging)")
    args = parser.parse_args()
    if args.polls < 2 or args.freezes < 1:  # a freeze's first poll is reported apart from the later ones
        parser.error("--polls must be at least 2 and --freezes at least 1")
    if args.keys_phase:
        asyncio.run(key_latency(args.keys_phase, args.seconds))
        return
    if not sshd_available() or os.geteuid() != 0 or shutil.which("unshare") is None:
        sys.exit("needs root, /usr/sbin/sshd and unshare")
    root = Path(tempfile.mkdtemp(prefix="rocketui-fleet-"))
    servers: list[SSHServer] = []
    cpu = HostsCpuGroup(root.name)
    add_user(root)
    try:
        root.chmod(0o755)
        (root / "bin").mkdir()
        (root / "conf").mkdir()
        (root / "work").mkdir(mode=0o777)
        (root / "work").chmod(0o1777)
        shutil.copy2(STANDIN, root / "standin.py")
        keys = ClientKeys.create(root / "keys")
        (root / "keys").chmod(0o755)
        keys.authorized_keys.chmod(0o644)  # read by sshd as the login user
        hostkey_dir = root / "hostkey"
        hostkey_dir.mkdir()
        _keygen(hostkey_dir / "host_ed25519")
        known = root / "known_hosts"
        lines = []
        for h in range(args.hosts):
            d = root / f"sshd-{h:03d}"
            d.mkdir()
            for f in ("host_ed25519", "host_ed25519.pub"):
                shutil.copy2(hostkey_dir / f, d / f)
            server = NamespacedSSHServer(address(h), SSH_PORT, d, keys)
            server.start()
            servers.append(server)
            if server.proc is not None:  # unshare and the sshd it forked (sessions follow)
                for pid in [server.proc.pid, *_children(server.proc.pid)]:
                    cpu.add(pid)
            lines.append(server.host_key_line)
        known.write_text("".join(lines))
        nodes = layout(args.hosts, args.per_host)
        info = root / "cluster-info.json"
        info.write_bytes(cluster_info(nodes))
        fleet_file = root / "fleet.yaml"
        fleet_file.write_text(cluster_yaml(root, args.hosts, nodes, keys, known))
        small = root / "two-node.yaml"
        small.write_text(cluster_yaml(root, 1, nodes[:1] + [dict(nodes[3], host=0, port=10911)], keys, known))

        from rocketui.model.loader import load_cluster

        cluster = load_cluster(str(fleet_file))
        t0 = time.monotonic()
        asyncio.run(start_standins(cluster, root, info))
        print(
            f"fleet: {args.hosts} SSH hosts (sshd each in its own PID namespace), {len(cluster.nodes)} nodes "
            f"(stand-ins, started over SSH in {time.monotonic() - t0:.1f} s)"
        )

        frames_small, frames_fleet = [], []
        for _ in range(5):  # interleaved
            frames_small.append(first_frame(small))
            frames_fleet.append(first_frame(fleet_file))
        fs, ff = statistics.median(frames_small), statistics.median(frames_fleet)
        print(
            f"first frame       2 nodes {fs * 1000:7.1f} ms   300 nodes {ff * 1000:7.1f} ms   "
            f"ratio {ff / fs:.2f}x  (target <= 1.5x)"
        )

        anchors, refreshes = [], []
        for _ in range(3):
            anchors.append(anchor_poll(servers, known, cluster))
        times, running, late = asyncio.run(refresh_times(cluster, args.polls))
        refreshes.extend(times)
        a, r = statistics.median(anchors), statistics.median(refreshes)
        print(
            f"status refresh    {len(cluster.nodes)} nodes: median {r * 1000:7.1f} ms, max {max(refreshes) * 1000:7.1f} ms "
            f"({running} running; {late} of {args.polls * len(cluster.nodes)} rows shown late)  (target <= 1000 ms)"
        )
        print(f"anchor            ssh per host in sequence: {a * 1000:7.1f} ms   ratio rocketui/anchor {r / a:.3f}x")
        frozen = asyncio.run(frozen_times(cluster, args.polls, servers[-1], args.freezes))
        print(
            f"one host frozen   first poll after each of {args.freezes} freezes: median "
            f"{statistics.median(frozen.first) * 1000:7.1f} ms, max {max(frozen.first) * 1000:7.1f} ms; "
            f"later polls median {statistics.median(frozen.later) * 1000:7.1f} ms, max {max(frozen.later) * 1000:7.1f} ms"
            f"  (target: as the refresh above)"
        )
        print(
            f"                  its first node in the first and the last poll of the first two freezes: {'; '.join(frozen.shown[:4])}"
        )
        print(f"                  the other hosts' rows shown late meanwhile: {frozen.others_late} of {frozen.rows}")

        where = "hosts in one CPU group" if cpu.available else "no CPU cgroup here: hosts compete one by one"
        rss = key_phase(fleet_file, args.seconds, where)
        if cpu.available:
            cpu.release()
            key_phase(fleet_file, args.seconds, "hosts released: each sshd session a competitor")
        print(f"memory            peak RSS of the TUI process {rss:6.1f} MB  (target < 250 MB)")
    finally:
        if args.keep:
            print(f"kept: {root} (sshd and stand-ins still running; user {USER})")
        else:
            stop_fleet(servers, root)
            cpu.remove()


def key_phase(fleet_file: Path, seconds: float, where: str) -> float:
    """The key-latency phase in a fresh process; prints its line, returns the peak RSS (MB)."""
    out = subprocess.run(
        [sys.executable, __file__, "--keys-phase", str(fleet_file), "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if out.returncode != 0:
        raise RuntimeError(f"key-latency phase failed: {out.stderr[-2000:]}")
    p50, p99, rss, wait, keys = (float(x) for x in out.stdout.split()[-5:])
    print(
        f"key latency       ({where}) while polling every 1 s: p50 {p50:6.1f} ms, p99 {p99:6.1f} ms "
        f"over {keys:.0f} keys; TUI main thread waited for a core {wait:4.1f}% of the time  (target p99 < 100 ms)"
    )
    return rss


def stop_fleet(servers: list[SSHServer], root: Path) -> None:
    for s in servers:  # the stand-ins go with their namespace's sshd (its PID 1)
        s.kill()
    subprocess.run(["pkill", "-f", f"{root}/bin/java"], check=False)
    subprocess.run(["pkill", "-u", USER], check=False)
    subprocess.run(["userdel", USER], check=False)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
