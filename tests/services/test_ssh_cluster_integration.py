"""A real namesrv and broker on two SSH hosts: started, watched, tailed, edited, stopped.

Two OpenSSH servers on loopback aliases (tests/support/sshd.py) are hosts A and B, each with its
own work_dir tree; the namesrv binds A's address, the broker B's (bindAddress, brokerIP1).
Everything rocketui does goes through the SSH backend; the test checks the result with local
means, since the simulated hosts share this machine.  The tests run in file order on one
module-scoped cluster (starting JVMs is the slow part); the fixture kills every JVM and sshd at
the end, whatever happened.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rocketui.backends.base import EXIT_MARKER
from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import Cluster
from rocketui.model.loader import load_cluster
from rocketui.rocketmq.layout import BOOT_LINE
from rocketui.services import config_edit
from rocketui.services.logs import LogService, follow_lines, tail
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.nodes import NodeService
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import java_processes_under, kill_jvms_under, rocketmq_home
from tests.support.sshd import SSHFarm, SSHServer, ssh_client_keys  # noqa: F401 (fixtures)
from tests.support.waits import wait_for

pytestmark = [pytest.mark.rocketmq, pytest.mark.ssh]

NS_PORT, BROKER_PORT = namesrv_port(), broker_port()
UNREACHABLE_WITHIN = 5.0  # seconds: the bound for reporting a host that went down


@dataclass
class Env:
    root: Path
    cluster_file: Path
    a: SSHServer  # host mq-a: the namesrv
    b: SSHServer  # host mq-b: the broker
    broker_config: Path


def broker_text(address: str, cluster: str) -> str:
    return (
        f"# broker-b on host mq-b\nbrokerClusterName={cluster}\nbrokerName=broker-b\nbrokerId=0\n"
        f"brokerRole=ASYNC_MASTER\nflushDiskType=ASYNC_FLUSH\nlistenPort={BROKER_PORT}\n"
        f"brokerIP1={address}\nbrokerIP2={address}\nbindAddress={address}\n"
        "autoCreateTopicEnable=true\nfileReservedTime=48\n"
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, ssh_client_keys) -> Iterator[Env]:
    home = rocketmq_home()
    root = tmp_path_factory.mktemp("ssh-cluster")
    farm = SSHFarm(tmp_path_factory.mktemp("sshd"), ssh_client_keys)
    try:
        a, b = farm.start(2)
        known = root / "known_hosts"
        known.write_text(a.host_key_line + b.host_key_line)
        config = root / "host-b" / "conf" / "broker-b.properties"
        config.parent.mkdir(parents=True)
        config.write_text(broker_text(b.address, "SshCluster"))
        config.chmod(0o640)
        common = (
            f"user: {getpass.getuser()}, identity_file: {ssh_client_keys.key}, known_hosts: {known}, connect_timeout: 3"
        )
        cluster_file = root / "cluster.yaml"
        cluster_file.write_text(f"""\
cluster: SshCluster
rocketmq: {{home: {home}, version: "5.5.0"}}
work_dir: {root}/unused
hosts:
  mq-a: {{backend: ssh, address: {a.address}, port: {a.port}, {common}, work_dir: {root}/host-a/work}}
  mq-b: {{backend: ssh, address: {b.address}, port: {b.port}, {common}, work_dir: {root}/host-b/work}}
defaults:
  jvm: {{xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}}
nodes:
  - {{name: ns, kind: namesrv, host: mq-a, port: {NS_PORT}, listen_address: {a.address},
     jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}}}
  - {{name: broker-b, kind: broker, host: mq-b, port: {BROKER_PORT}, broker_name: broker-b,
     listen_address: {b.address}, config: {config}}}
""")
        yield Env(root, cluster_file, a, b, config)
    finally:
        try:
            kill_jvms_under(str(root))
        finally:
            farm.close()


@pytest.fixture
async def service(env: Env) -> AsyncIterator[NodeService]:
    cluster = load_cluster(str(env.cluster_file))
    svc = NodeService(cluster, BackendPool(cluster))
    try:
        yield svc
    finally:
        await svc.close()


@pytest.fixture
async def running(service: NodeService) -> None:
    """Both nodes up, whichever tests ran before (started here when not): each test after the
    first states what it needs instead of relying on the first having started them."""
    for _ in range(100):  # a fresh poller shows a host "connecting" until its first listing
        statuses = await service.status_all()
        if all(s.state is not NodeState.UNKNOWN for s in statuses.values()):
            break
        await asyncio.sleep(0.1)
    for name in ("ns", "broker-b"):
        if statuses[name].state is not NodeState.RUNNING:
            started = await service.start(service.cluster.node(name), timeout=120)
            assert started.state is NodeState.RUNNING, started.message


def accepts(address: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((address, port)) == 0


async def registered_at_namesrv(env: Env) -> set[str]:
    """Asked of the namesrv itself (GET_BROKER_CLUSTER_INFO), not through rocketui's probe."""
    from rocketui.rocketmq.remoting.namesrv import NamesrvClient

    async with NamesrvClient(f"{env.a.address}:{NS_PORT}", timeout=3.0) as client:
        info = await client.cluster_info()
    return {addr for b in info.brokers.values() for addr in b.addrs.values()}


def jvm_pids(env: Env) -> dict[str, int]:
    """The test's JVMs by node, found locally (the simulated hosts share this process table)."""
    found: dict[str, int] = {}
    for pid in java_processes_under(str(env.root)):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
        found["ns" if b"NamesrvStartup" in argv else "broker-b"] = pid
    return found


# ----------------------------------------------------------------------------------- lifecycle
async def test_start_over_ssh_registers_and_outlives_the_connections(env: Env, service: NodeService) -> None:
    cluster = service.cluster
    progress: list[str] = []
    ns = await service.start(cluster.node("ns"), timeout=120, progress=lambda n, m: progress.append(f"{n}: {m}"))
    assert ns.state is NodeState.RUNNING, ns.message
    broker = await service.start(
        cluster.node("broker-b"), timeout=120, progress=lambda n, m: progress.append(f"{n}: {m}")
    )
    assert broker.state is NodeState.RUNNING, broker.message
    assert "broker-b: running (pid %d), registered at every namesrv" % broker.pid in progress
    statuses = await service.status_all()
    assert statuses["broker-b"].registered_at == (f"{env.a.address}:{NS_PORT}",)
    assert {s.host_state for s in statuses.values()} == {"connected"}
    assert await registered_at_namesrv(env) == {f"{env.b.address}:{BROKER_PORT}"}
    # each JVM listens on its own host's address only (bindAddress from the cluster file / properties)
    assert accepts(env.a.address, NS_PORT) and not accepts(env.b.address, NS_PORT)
    assert accepts(env.b.address, BROKER_PORT) and not accepts(env.a.address, BROKER_PORT)
    # ... and keeps its files in its own host's tree
    assert (env.root / "host-a/work/ns/namesrv.properties").exists()
    assert (env.root / "host-b/work/broker-b/logs/rocketmqlogs/broker.log").exists()
    pids = jvm_pids(env)
    assert pids == {"ns": ns.pid, "broker-b": broker.pid}
    for pid in pids.values():  # detached: its own session, not a child of any sshd
        assert os.getsid(pid) != os.getsid(env.a.proc.pid) and os.getsid(pid) != os.getsid(env.b.proc.pid)
    for host in ("mq-a", "mq-b"):
        assert service.pool.get(host).stats.connections == 1  # every command and file on one connection

    await service.close()  # every SSH connection of the start goes away
    cluster = load_cluster(str(env.cluster_file))
    again = NodeService(cluster, BackendPool(cluster))
    try:
        # a fresh poller connects first; until its first listing arrives a host is "connecting"
        for _ in range(100):
            statuses = await again.status_all()
            if all(s.state is not NodeState.UNKNOWN for s in statuses.values()):
                break
            await asyncio.sleep(0.1)
        assert {n: (s.state, s.pid) for n, s in statuses.items()} == {
            "ns": (NodeState.RUNNING, ns.pid),
            "broker-b": (NodeState.RUNNING, broker.pid),
        }
        assert statuses["broker-b"].registered is True
    finally:
        await again.close()


async def test_broker_logs_are_tailed_over_ssh(env: Env, service: NodeService, running: None) -> None:
    broker = service.cluster.node("broker-b")
    logs = LogService(service.cluster, service)
    files = {f.name: (f.path, st) for f, st in await logs.files(broker)}
    log_dir = env.root / "host-b/work/broker-b/logs/rocketmqlogs"
    assert files["broker.log"][0] == str(log_dir / "broker.log") and files["broker.log"][1] is not None
    assert "gc.log" in files  # the JVM's -Xlog file, found from its command line over SSH
    backend = logs.backend(broker)
    shown, st = await tail(backend, files["stdout.log"][0], 50)
    assert any(BOOT_LINE[broker.kind].search(line) for line in shown.lines), shown.lines
    shown, st = await tail(backend, files["broker.log"][0], 200)
    assert len(shown.lines) > 10 and st.size == (log_dir / "broker.log").stat().st_size


async def test_properties_edit_is_saved_atomically_over_sftp(env: Env, service: NodeService, running: None) -> None:
    broker = service.cluster.node("broker-b")
    backend = service.backend(broker)
    before = env.broker_config.read_bytes()
    inode = env.broker_config.stat().st_ino
    loaded = await config_edit.load_node_config(service.cluster, backend, broker)
    assert loaded.data == before and loaded.stat.mode == 0o640
    plan = config_edit.plan_properties(loaded, {"fileReservedTime": "72"}, cluster=service.cluster, node=broker)
    assert not plan.errors and "-fileReservedTime=48\n+fileReservedTime=72" in plan.diff
    saved = await config_edit.save(backend, plan)
    after = env.broker_config.read_bytes()
    assert after == before.replace(b"fileReservedTime=48", b"fileReservedTime=72")
    st = env.broker_config.stat()
    assert st.st_mode & 0o7777 == 0o640 and st.st_ino != inode  # renamed into place, mode kept
    assert saved.backup and Path(saved.backup).read_bytes() == before
    assert sorted(p.name for p in env.broker_config.parent.iterdir()) == sorted(
        ["broker-b.properties", Path(saved.backup).name]
    )  # no temp file left behind
    # a second edit from the now stale load is refused: someone (we) changed it meanwhile
    with pytest.raises(config_edit.ConfigConflict, match="changed on disk"):
        await config_edit.save(backend, config_edit.plan_properties(loaded, {"fileReservedTime": "24"}))
    assert env.broker_config.read_bytes() == after


# ----------------------------------------------------------------------------------- faults
async def poll_until(
    service: NodeService, cond: Callable[[dict[str, NodeStatus]], bool], what: str, timeout: float
) -> tuple[dict[str, NodeStatus], float]:
    """status_all until `cond` holds; the statuses and the seconds it took."""
    t0 = time.monotonic()
    while True:
        statuses = await service.status_all()
        if cond(statuses):
            return statuses, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"{what}: not seen within {timeout:g}s; last: {statuses}")
        await asyncio.sleep(0.1)


def broker_unreachable(statuses: dict[str, NodeStatus]) -> bool:
    b = statuses["broker-b"]
    return b.state is NodeState.UNKNOWN and b.host_state.startswith("unreachable: ")


@pytest.mark.parametrize("fault", ["killed", "hung"])
async def test_a_host_that_goes_down_is_reported_within_5s(
    env: Env, service: NodeService, running: None, fault: str
) -> None:
    """killed: sshd and its connections die (connection reset, then refused).  hung: sshd and its
    connections stop answering (SIGSTOP), like a powered-off host: no reset, no refusal."""
    running = await service.status_all()
    assert {n: s.state for n, s in running.items()} == {"ns": NodeState.RUNNING, "broker-b": NodeState.RUNNING}
    broker_pid = running["broker-b"].pid
    if fault == "killed":
        env.b.kill()
    else:
        env.b.freeze()
    try:
        statuses, took = await poll_until(service, broker_unreachable, "mq-b unreachable", UNREACHABLE_WITHIN + 5)
        print(f"\nhost down ({fault}): reported unreachable after {took:.2f}s: {statuses['broker-b'].host_state!r}")
        assert took < UNREACHABLE_WITHIN
        # the other host's node still reports, in the same poll
        assert statuses["ns"].state is NodeState.RUNNING and statuses["ns"].host_state == "connected"
        # and a poll does not wait for the dead host: it answers as fast as the live one allows
        t0 = time.monotonic()
        statuses = await service.status_all()
        assert broker_unreachable(statuses) and statuses["ns"].state is NodeState.RUNNING
        print(f"host down ({fault}): next poll took {time.monotonic() - t0:.2f}s")
    finally:
        if fault == "killed":
            env.b.start()
        else:
            env.b.thaw()
    statuses, took = await poll_until(service, lambda s: s["broker-b"].state is NodeState.RUNNING, "mq-b back", 60)
    print(f"host back ({fault}): running again after {took:.2f}s")
    assert statuses["broker-b"].pid == broker_pid and statuses["broker-b"].host_state == "connected"


async def test_stop_over_ssh_stops_exactly_that_jvm_and_the_log_shows_it(
    env: Env, service: NodeService, running: None
) -> None:
    cluster: Cluster = service.cluster
    broker = cluster.node("broker-b")
    before = await service.status_all()
    logs = LogService(cluster, service)
    backend = logs.backend(broker)
    stdout = str(env.root / "host-b/work/broker-b/stdout.log")
    shown, _ = await tail(backend, stdout, 10)
    seen: list[str] = []

    async def follow() -> None:
        async for batch in follow_lines(backend, stdout, shown.end, poll=0.05):
            seen.extend(batch.lines)

    follower = asyncio.create_task(follow())
    try:
        status = await service.stop(broker)
        assert status.state is NodeState.STOPPED
        await wait_for("the exit line, followed over SSH", lambda: any(EXIT_MARKER in line for line in seen))
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
    assert not os.path.exists(f"/proc/{before['broker-b'].pid}") and not accepts(env.b.address, BROKER_PORT)
    assert jvm_pids(env) == {"ns": before["ns"].pid}  # the namesrv was not touched
    for _ in range(50):  # the shutdown hook unregisters; the namesrv applies it asynchronously
        if not await registered_at_namesrv(env):
            break
        await asyncio.sleep(0.1)
    assert await registered_at_namesrv(env) == set()
    status = await service.stop(cluster.node("ns"))
    assert status.state is NodeState.STOPPED and jvm_pids(env) == {}
