"""NodeService against real namesrv and broker JVMs on loopback (small heaps, temp dirs).

One module-scoped cluster (1 namesrv + 2 brokers on one host) keeps CI time bounded; the
reaper stops every JVM of the module even when a test fails.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from rocketui.backends.factory import BackendPool
from rocketui.model.loader import load_cluster
from rocketui.services.node_status import NodeState
from rocketui.services.nodes import NodeService
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import java_processes_under, kill_jvms_under, rocketmq_home, write_cluster

pytestmark = [pytest.mark.rocketmq]

NS_PORT, A_PORT, B_PORT = namesrv_port(), broker_port(), broker_port()


@pytest.fixture(scope="module")
def cluster_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = rocketmq_home()
    tmp = tmp_path_factory.mktemp("nodes")
    path = write_cluster(tmp, home, namesrv_port=NS_PORT, brokers=[("broker-a", A_PORT), ("broker-b", B_PORT)])
    yield path
    kill_jvms_under(str(tmp))


@pytest.fixture
async def service(cluster_file: Path) -> AsyncIterator[NodeService]:
    cluster = load_cluster(str(cluster_file))
    svc = NodeService(cluster, BackendPool(cluster))
    yield svc
    await svc.close()


async def registered_brokers(port: int = NS_PORT) -> set[str]:
    """Ask the namesrv itself (GET_BROKER_CLUSTER_INFO), not the logs."""
    from rocketui.rocketmq.remoting.namesrv import NamesrvClient

    async with NamesrvClient(f"127.0.0.1:{port}", timeout=3.0) as client:
        info = await client.cluster_info()
    return {addr for b in info.brokers.values() for addr in b.addrs.values()}


def pid_alive(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def test_start_all_in_order_and_registered(service: NodeService) -> None:
    events: list[tuple[str, str]] = []
    results = await service.start_all(progress=lambda n, m: events.append((n, m)))
    assert {n: s.state for n, s in results.items()} == {
        "ns": NodeState.RUNNING,
        "broker-a": NodeState.RUNNING,
        "broker-b": NodeState.RUNNING,
    }
    first_broker = next(i for i, (n, _) in enumerate(events) if n.startswith("broker"))
    assert any(n == "ns" and "running" in m for n, m in events[:first_broker]), "namesrv ready before brokers start"
    assert await registered_brokers() == {f"127.0.0.1:{A_PORT}", f"127.0.0.1:{B_PORT}"}
    statuses = await service.status_all()
    assert statuses["broker-a"].registered is True
    assert statuses["broker-a"].pid and pid_alive(statuses["broker-a"].pid)
    # each node got its own user.home: logs are not shared
    log_a = Path(service.cluster.log_dir(service.cluster.node("broker-a"))) / "broker.log"
    assert log_a.exists() and "broker-a" in log_a.read_text(errors="replace")


async def test_start_running_node_is_a_noop(service: NodeService) -> None:
    before = (await service.status(service.cluster.node("broker-a"))).pid
    messages: list[str] = []
    status = await service.start(service.cluster.node("broker-a"), progress=lambda n, m: messages.append(m))
    assert status.state is NodeState.RUNNING and status.pid == before
    assert messages == [f"already running (pid {before}); nothing to do"]


async def test_stop_one_broker_leaves_the_other(service: NodeService) -> None:
    a = await service.status(service.cluster.node("broker-a"))
    b = await service.status(service.cluster.node("broker-b"))
    status = await service.stop(service.cluster.node("broker-a"))
    assert status.state is NodeState.STOPPED
    assert not pid_alive(a.pid) and not port_open(A_PORT)
    assert pid_alive(b.pid) and port_open(B_PORT) and port_open(NS_PORT)
    # a clean shutdown unregisters the broker (the namesrv applies it asynchronously: poll briefly)
    for _ in range(50):
        if await registered_brokers() == {f"127.0.0.1:{B_PORT}"}:
            break
        await asyncio.sleep(0.1)
    assert await registered_brokers() == {f"127.0.0.1:{B_PORT}"}


async def test_adopts_node_started_by_cli(cluster_file: Path, service: NodeService) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rocketui", str(cluster_file), "start", "broker-a"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "broker-a: running" in proc.stdout
    status = await service.status(service.cluster.node("broker-a"))
    assert status.state is NodeState.RUNNING
    jvms = [
        p
        for p in java_processes_under(str(cluster_file.parent))
        if b"broker-a.properties" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    assert jvms == [status.pid]


async def test_cli_status_json(cluster_file: Path) -> None:
    import json

    proc = subprocess.run(
        [sys.executable, "-m", "rocketui", str(cluster_file), "status", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    nodes = {n["node"]: n for n in json.loads(proc.stdout)["nodes"]}
    assert nodes["broker-b"]["state"] == "running" and nodes["broker-b"]["registered"] is True


async def test_failed_start_says_why(tmp_path: Path) -> None:
    home = rocketmq_home()
    path = write_cluster(tmp_path, home, namesrv_port=namesrv_port(), brokers=[])
    path.write_text(
        path.read_text().replace(
            "jvm: {xms: 128m, xmx: 128m, xmn: 64m}", "jvm: {xms: 128m, xmx: 128m, xmn: 64m, extra: ['-XX:+NoSuchFlag']}"
        )
    )
    cluster = load_cluster(str(path))
    svc = NodeService(cluster, BackendPool(cluster))
    try:
        status = await svc.start(cluster.node("ns"), timeout=60)
    finally:
        kill_jvms_under(str(tmp_path))
    assert status.state is NodeState.FAILED
    assert "exit status 1" in status.message
    assert "JVM refused its options" in status.message and "NoSuchFlag" in status.message


async def test_stop_all_reverse_order(service: NodeService) -> None:
    results = await service.stop_all()
    assert all(s.state is NodeState.STOPPED for s in results.values())
    assert not java_processes_under(str(Path(service.cluster.source).parent))
    await asyncio.sleep(0)
