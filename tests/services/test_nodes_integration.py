"""Start and stop through the lifecycle use case, against real namesrv and broker JVMs on loopback
(small heaps, temp dirs).

One module-scoped cluster (1 namesrv + 2 brokers on one host), started once by `started` (whose
start-all is itself checked by the first test), keeps CI time bounded.  Every test states the
state it needs (`ensure_running` / `ensure_stopped`), so each runs alone and in any order; the
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

from rocketui.model.loader import load_cluster
from rocketui.services.node_status import NodeState
from rocketui.usecases.lifecycle import BatchReport
from rocketui.usecases.operations import Operations
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import (
    ensure_running,
    ensure_stopped,
    java_processes_under,
    kill_jvms_under,
    rocketmq_home,
    write_cluster,
)

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
async def ops(cluster_file: Path) -> AsyncIterator[Operations]:
    ops = Operations(load_cluster(str(cluster_file)))
    yield ops
    await ops.close()


class StartAll:
    """What the module's first start-all did (the action under test of the first test)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.report: BatchReport | None = None


@pytest.fixture(scope="module")
def started(cluster_file: Path) -> StartAll:
    result = StartAll()

    async def run() -> None:
        ops = Operations(load_cluster(str(cluster_file)))
        try:
            outcome = await ops.lifecycle.start_all(progress=lambda n, m: result.events.append((n, m)))
            result.report = outcome.value
        finally:
            await ops.close()

    asyncio.run(run())
    return result


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


async def test_start_all_in_order_and_registered(started: StartAll, ops: Operations) -> None:
    assert started.report is not None and started.report.ok, started.report and started.report.summary()
    assert {n: st.state for n, st in started.report.results.items()} == {
        "ns": NodeState.RUNNING,
        "broker-a": NodeState.RUNNING,
        "broker-b": NodeState.RUNNING,
    }
    events = started.events
    first_broker = next(i for i, (n, _) in enumerate(events) if n.startswith("broker"))
    assert any(n == "ns" and "running" in m for n, m in events[:first_broker]), "namesrv ready before brokers start"
    await ensure_running(ops)
    assert await registered_brokers() == {f"127.0.0.1:{A_PORT}", f"127.0.0.1:{B_PORT}"}
    statuses = await ops.status_all()
    assert statuses["broker-a"].registered is True
    assert statuses["broker-a"].pid and pid_alive(statuses["broker-a"].pid)
    # each node got its own user.home: logs are not shared
    log_a = Path(ops.cluster.log_dir(ops.cluster.node("broker-a"))) / "broker.log"
    assert log_a.exists() and "broker-a" in log_a.read_text(errors="replace")


async def test_start_running_node_is_a_noop(started: StartAll, ops: Operations) -> None:
    await ensure_running(ops, "ns", "broker-a")
    node = ops.cluster.node("broker-a")
    before = (await ops.nodes.status(node)).pid
    messages: list[str] = []
    outcome = await ops.lifecycle.start(node, progress=lambda n, m: messages.append(m))
    assert outcome.ok and outcome.value is not None and outcome.value.pid == before
    assert messages == [f"already running (pid {before}); nothing to do"]


async def test_stop_one_broker_leaves_the_other(started: StartAll, ops: Operations) -> None:
    await ensure_running(ops)
    a = await ops.nodes.status(ops.cluster.node("broker-a"))
    b = await ops.nodes.status(ops.cluster.node("broker-b"))
    assert a.pid and b.pid
    outcome = await ops.lifecycle.stop(ops.cluster.node("broker-a"))
    assert outcome.ok and outcome.value is not None and outcome.value.state is NodeState.STOPPED
    assert not pid_alive(a.pid) and not port_open(A_PORT)
    assert pid_alive(b.pid) and port_open(B_PORT) and port_open(NS_PORT)
    # a clean shutdown unregisters the broker (the namesrv applies it asynchronously: poll briefly)
    for _ in range(50):
        if await registered_brokers() == {f"127.0.0.1:{B_PORT}"}:
            break
        await asyncio.sleep(0.1)
    assert await registered_brokers() == {f"127.0.0.1:{B_PORT}"}


async def test_adopts_node_started_by_cli(started: StartAll, cluster_file: Path, ops: Operations) -> None:
    await ensure_running(ops, "ns")
    await ensure_stopped(ops, "broker-a")
    proc = subprocess.run(
        [sys.executable, "-m", "rocketui", str(cluster_file), "start", "broker-a"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "broker-a: running" in proc.stdout
    status = await ops.nodes.status(ops.cluster.node("broker-a"))
    assert status.state is NodeState.RUNNING
    jvms = [
        p
        for p in java_processes_under(str(cluster_file.parent))
        if b"broker-a.properties" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    assert jvms == [status.pid]


async def test_cli_status_json(started: StartAll, cluster_file: Path, ops: Operations) -> None:
    import json

    await ensure_running(ops, "ns", "broker-b")
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
    ops = Operations(load_cluster(str(path)))
    try:
        outcome = await ops.lifecycle.start(ops.cluster.node("ns"), timeout=60)
    finally:
        kill_jvms_under(str(tmp_path))
        await ops.close()
    assert not outcome.ok and outcome.value is not None and outcome.value.state is NodeState.FAILED
    assert "exit status 1" in outcome.summary
    assert "JVM refused its options" in outcome.summary and "NoSuchFlag" in outcome.summary


async def test_namesrv_properties_reach_the_namesrv_exactly(tmp_path: Path) -> None:
    """A namesrv value with separators, comment marks, a backslash and a non-Latin-1 character is
    written escaped and the running namesrv reports it as written (GET_NAMESRV_CONFIG); it listens
    on its own port only."""
    from rocketui.rocketmq.remoting.broker import parse_config_body
    from rocketui.rocketmq.remoting.codes import RequestCode
    from rocketui.rocketmq.remoting.namesrv import NamesrvClient

    port = namesrv_port()
    path = write_cluster(tmp_path, rocketmq_home(), namesrv_port=port, brokers=[])
    value = "prod€ a=b:c #!x \\ y"  # (RocketMQ trims string settings: MixAll.properties2Object)
    path.write_text(
        path.read_text().replace(
            "    jvm: {xms: 128m, xmx: 128m, xmn: 64m}\n",
            '    jvm: {xms: 128m, xmx: 128m, xmn: 64m}\n    properties: {productEnvName: "prod€ a=b:c #!x \\\\ y"}\n',
        )
    )
    ops = Operations(load_cluster(str(path)))
    node = ops.cluster.node("ns")
    assert node.properties == (("productEnvName", value),)
    try:
        outcome = await ops.lifecycle.start(node, timeout=60)
        assert outcome.ok, outcome.summary
        async with NamesrvClient(f"127.0.0.1:{port}", timeout=5.0) as client:
            response = await client.remoting.invoke(RequestCode.GET_NAMESRV_CONFIG)
        config = parse_config_body(response.body.decode("utf-8"))
        written = Path(await ops.nodes.config_path(node)).read_bytes()
    finally:
        kill_jvms_under(str(tmp_path))
        await ops.close()
    assert config["productEnvName"] == value
    assert config["listenPort"] == str(port)
    assert b"productEnvName=prod\\u20ac a=b:c #!x \\\\ y\n" in written


async def test_stop_all_reverse_order(started: StartAll, ops: Operations) -> None:
    await ensure_running(ops)
    events: list[tuple[str, str]] = []
    outcome = await ops.lifecycle.stop_all(progress=lambda n, m: events.append((n, m)))
    assert outcome.ok, outcome.summary
    assert outcome.value is not None and all(s.state is NodeState.STOPPED for s in outcome.value.results.values())
    stopped_ns = next(i for i, (n, m) in enumerate(events) if n == "ns" and m == "stopped")
    assert all(i < stopped_ns for i, (n, m) in enumerate(events) if n.startswith("broker") and m == "stopped")
    assert not java_processes_under(str(Path(ops.cluster.source).parent))


async def test_kill_9_shows_crashed_with_the_signal_everywhere(
    started: StartAll, cluster_file: Path, ops: Operations
) -> None:
    """A JVM killed behind rocketui's back is crashed (not stopped) for this process, for a new
    CLI process, in the journal (once), until it is acknowledged or started again."""
    await ensure_running(ops, "ns", "broker-b")
    node = ops.cluster.node("broker-b")
    status = await ops.nodes.status(node)
    assert status.pid
    os.kill(status.pid, 9)
    t0 = asyncio.get_running_loop().time()
    while (await ops.status_all())["broker-b"].state is not NodeState.CRASHED:
        assert asyncio.get_running_loop().time() - t0 < 10, "never shown crashed"
        await asyncio.sleep(0.1)
    crashed = (await ops.status_all())["broker-b"]
    assert crashed.crash is not None and crashed.crash.signal_name == "SIGKILL"
    proc = subprocess.run(
        [sys.executable, "-m", "rocketui", str(cluster_file), "status", "--json"], capture_output=True, text=True
    )
    import json

    seen = {n["node"]: n for n in json.loads(proc.stdout)["nodes"]}["broker-b"]
    assert seen["state"] == "crashed" and seen["crash"]["signal"] == "SIGKILL" and seen["crash"]["exit_status"] == 137
    entries = [e for e in ops.journal.entries() if e.action == "observed crash" and e.node == "broker-b"]
    assert len(entries) == 1 and "SIGKILL" in entries[0].error  # the CLI's own sighting was not a second entry
    acknowledged = await ops.lifecycle.acknowledge(node)
    assert acknowledged.ok and acknowledged.value is True
    assert (await ops.status_all())["broker-b"].state is NodeState.STOPPED


async def test_a_stop_from_another_rocketui_is_never_a_crash(
    started: StartAll, cluster_file: Path, ops: Operations
) -> None:
    """The TUI polls while a CLI in another terminal stops the broker: stopping, then stopped."""
    await ensure_running(ops, "ns", "broker-b")
    assert (await ops.status_all())["broker-b"].state is NodeState.RUNNING  # the poller has seen it up
    stopper = subprocess.Popen(
        [sys.executable, "-m", "rocketui", str(cluster_file), "stop", "broker-b"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    seen: list[NodeState] = []
    while stopper.poll() is None:
        seen.append((await ops.status_all())["broker-b"].state)
        await asyncio.sleep(0.2)
    seen.append((await ops.status_all())["broker-b"].state)
    assert stopper.returncode == 0, stopper.stdout.read() if stopper.stdout else ""
    assert NodeState.CRASHED not in seen and NodeState.STARTING not in seen[1:], seen
    assert NodeState.STOPPING in seen and seen[-1] is NodeState.STOPPED, seen
