"""Test support for real RocketMQ JVMs: locate the assembled distribution, write throwaway
cluster files with small heaps on loopback, and kill every JVM a test started."""

from __future__ import annotations

import asyncio
import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from rocketui.services.node_status import NodeState
from rocketui.usecases.operations import Operations

DEFAULT_HOME = Path.home() / ".local/share/rocketui/rocketmq-5.5.0"


def rocketmq_home() -> Path:
    """The assembled distribution, or fail (in CI) / skip (elsewhere) with the command to make it."""
    home = Path(os.environ.get("ROCKETUI_TEST_ROCKETMQ_HOME", DEFAULT_HOME))
    if not (home / "bin" / "mqbroker").exists() or not (home / "lib").is_dir():
        message = f"RocketMQ distribution missing at {home}; run: rocketui install --home {home}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return home


def java_processes_under(root: str) -> list[int]:
    """pids of java processes whose command line mentions `root` (config, user.home, ...)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"java") and any(root.encode() in a for a in argv):
            found.append(int(entry))
    return found


def kill_jvms_under(root: str, *, grace: float = 1.0) -> list[int]:
    """SIGTERM, then SIGKILL, every JVM started for `root`; returns the pids that were found.

    Cleanup only: these JVMs are throwaway (store and logs in the test's temp dir), and a broker's
    own orderly shutdown takes ~10 s, so the grace is short. Tests of a graceful stop stop their
    nodes through rocketui first."""
    pids = java_processes_under(root)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and java_processes_under(root):
        time.sleep(0.2)
    for pid in java_processes_under(root):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # a killed JVM is gone only once the kernel has torn down its mappings (a broker maps its
    # commitlog): wait, so that the next test's ports and the run's last check find it gone
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and java_processes_under(root):
        time.sleep(0.1)
    return pids


def broker_properties(
    name: str,
    port: int,
    *,
    cluster: str = "TestCluster",
    broker_id: int = 0,
    role: str = "ASYNC_MASTER",
    extra: str = "",
) -> str:
    return (
        textwrap.dedent(f"""\
        # test broker {name}
        brokerClusterName={cluster}
        brokerName={name}
        brokerId={broker_id}
        brokerRole={role}
        flushDiskType=ASYNC_FLUSH
        listenPort={port}
        brokerIP1=127.0.0.1
        brokerIP2=127.0.0.1
        bindAddress=127.0.0.1
        autoCreateTopicEnable=true
        """)
        + extra
    )


def write_cluster(
    tmp: Path, home: Path, *, namesrv_port: int, brokers: list[tuple[str, int]], cluster: str = "TestCluster"
) -> Path:
    """A local cluster file: one namesrv and the given (broker name, port) masters, heaps 256m."""
    nodes = [
        f"""\
  - name: ns
    kind: namesrv
    host: local
    port: {namesrv_port}
    listen_address: 127.0.0.1
    jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}
"""
    ]
    for name, port in brokers:
        (tmp / f"{name}.properties").write_text(broker_properties(name, port, cluster=cluster))
        nodes.append(f"""\
  - name: {name}
    kind: broker
    host: local
    port: {port}
    broker_name: {name}
    config: {name}.properties
""")
    text = f"""\
cluster: {cluster}
rocketmq:
  home: {home}
  version: "5.5.0"
work_dir: {tmp / "work"}
hosts:
  local:
    backend: local
    address: 127.0.0.1
defaults:
  jvm: {{xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}}
nodes:
""" + "".join(nodes)
    path = tmp / "cluster.yaml"
    path.write_text(text)
    return path


async def ensure_running(ops: Operations, *names: str) -> None:
    """Every named node (all when none named) running, started in dependency order if not: a
    test states what it needs instead of relying on an earlier test having left it so."""
    wanted = set(names) or {n.name for n in ops.cluster.nodes}
    statuses = await ops.status_all()
    for node in ops.lifecycle.order("start"):
        if node.name in wanted and statuses[node.name].state is not NodeState.RUNNING:
            outcome = await ops.lifecycle.start(node)
            assert outcome.ok, f"could not start {node.name}: {outcome.summary}"


async def ensure_stopped(ops: Operations, *names: str) -> None:
    """Every named node stopped; killed outright (a graceful broker stop takes 10-15 s, and a
    test that needs a stopped node is not testing how it stopped)."""
    wanted = set(names) or {n.name for n in ops.cluster.nodes}
    for node in ops.lifecycle.order("stop"):
        if node.name not in wanted:
            continue
        jvm = await ops.nodes.find(node)
        if jvm is not None:
            os.kill(jvm.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while await ops.nodes.find(node) is not None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
