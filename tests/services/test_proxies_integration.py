"""RocketMQ 5 proxies and a standalone controller, from the shipped clusters/*.yaml (test copies
on free loopback ports, heaps 256m), against real JVMs:

- cluster-proxy (namesrv, 2 masters, a Cluster-mode proxy): start-all in levels (namesrv, brokers,
  proxy), the proxy shown serving and health ok; produce through its remoting port with rocketui's
  client; the official Python client's gRPC sends read back by rocketui's client and rocketui's
  sends received by the official client; stop-all with no JVM left;
- local-proxy (namesrv, a broker inside a proxy JVM): the same through the broker's own proxy;
- controller-standalone (namesrv + a controller of its own, master + slave in controller mode):
  roles as elected, controller leader; stop-all with no JVM left.
One class per cluster, its JVMs started once (`started`) and killed when the class ends.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from rocketui.model.loader import load_cluster
from rocketui.services.mqtest import ProduceSpec, TopicCreation
from rocketui.services.node_status import NodeState
from rocketui.usecases.lifecycle import BatchReport
from rocketui.usecases.operations import Operations
from tests.support.proxies import grpc_python, proxy_home, wait_until
from tests.support.rocketmq import ensure_running, java_processes_under, kill_jvms_under
from tests.support.shipped import shipped_copy

pytestmark = [pytest.mark.rocketmq]

START_TIMEOUT = 180.0


def class_copy(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    proxy_home()
    tmp = tmp_path_factory.mktemp(name)
    try:
        yield shipped_copy(tmp, name)
    finally:
        kill_jvms_under(str(tmp))


def start_all_once(path: Path) -> tuple[BatchReport, list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []

    async def run() -> BatchReport:
        ops = Operations(load_cluster(str(path)))
        try:
            outcome = await ops.lifecycle.start_all(progress=lambda n, m: events.append((n, m)), timeout=START_TIMEOUT)
        finally:
            await ops.close()
        assert outcome.value is not None, outcome.summary
        return outcome.value

    return asyncio.run(run()), events


@pytest.fixture
async def ops(cluster_file: Path) -> AsyncIterator[Operations]:
    ops = Operations(load_cluster(str(cluster_file)))
    yield ops
    await ops.close()


async def serving(ops: Operations) -> None:
    async def every_proxy() -> bool:
        statuses = await ops.status_all()
        return all(statuses[n.name].proxy is not None and statuses[n.name].proxy.serving for n in ops.cluster.proxies)

    await wait_until("every proxy to serve", every_proxy)


async def produce(ops: Operations, topic: str, *, count: int = 200, **how: object) -> None:
    spec = ProduceSpec(topic=topic, count=count, create=TopicCreation(cluster=ops.cluster.name, queues=4))
    outcome = await ops.mq.produce(spec, verify_timeout=60, **how)  # type: ignore[arg-type]
    assert outcome.ok and outcome.value is not None, outcome.summary
    report, check = outcome.value
    assert report.progress.sent == count and report.progress.failed == 0
    assert check is not None and check.received == count and check.missing == 0 and check.duplicated == 0
    print(f"\n{topic} {how}: sent {report.progress.sent}, read back {check.received} ({type(check).__name__})")


async def stop_all_leaves_nothing(ops: Operations) -> None:
    outcome = await ops.lifecycle.stop_all()
    assert outcome.ok, outcome.summary
    assert java_processes_under(str(Path(ops.cluster.source).parent)) == []


class TestClusterProxy:
    @pytest.fixture(scope="class")
    def cluster_file(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from class_copy(tmp_path_factory, "cluster-proxy")

    @pytest.fixture(scope="class")
    def started(self, cluster_file: Path) -> tuple[BatchReport, list[tuple[str, str]]]:
        return start_all_once(cluster_file)

    async def test_start_all_in_levels_and_the_proxy_serves(self, ops: Operations, started: tuple) -> None:
        report, events = started
        assert report.ok, report.summary()
        assert [[n.name for n in level] for level in ops.lifecycle.levels()] == [
            ["namesrv-1"],
            ["broker-a", "broker-b"],
            ["proxy-1"],
        ]
        first_proxy = next(i for i, (n, m) in enumerate(events) if n == "proxy-1" and "starting:" in m)
        assert all(
            any(n == b and "running (pid" in m for n, m in events[:first_proxy]) for b in ("broker-a", "broker-b")
        )
        await ensure_running(ops)
        await serving(ops)
        statuses = await ops.status_all()
        assert statuses["proxy-1"].proxy is not None and statuses["proxy-1"].proxy.to_json()["routes"] is True
        health = await ops.mq.health()
        assert health.ok, health.all_problems()
        assert dict(health.proxies)["proxy-1"].serving

    async def test_produce_through_the_proxy_remoting_port(self, ops: Operations, started: tuple) -> None:
        await ensure_running(ops)
        await serving(ops)
        await produce(ops, "ViaProxyRemoting", via="proxy-1")

    async def test_grpc_official_client_and_rocketui_read_each_other(self, ops: Operations, started: tuple) -> None:
        grpc_python()
        await ensure_running(ops)
        await serving(ops)
        await produce(ops, "ViaProxyGrpc", count=100, via="proxy-1", grpc=True)  # read back by rocketui
        await produce(ops, "ViaProxyToGrpc", count=100, via="proxy-1", verify_grpc=True)  # read by the official one
        # the CLI twin: the official client sends, rocketui reads back
        cli = [sys.executable, "-m", "rocketui", ops.cluster.source, "produce", "--via", "proxy-1", "--grpc"]
        out = await asyncio.to_thread(
            subprocess.run,
            [*cli, "--create", "--topic", "ViaProxyGrpcCli", "--count", "20", "--json"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
        data = json.loads(out.stdout)
        assert data["produce"]["sent"] == 20 and data["produce"]["errors"] == {}
        assert (data["verify"]["received"], data["verify"]["missing"], data["verify"]["duplicated"]) == (20, 0, 0)

    async def test_stop_all_leaves_no_jvm(self, ops: Operations, started: tuple) -> None:
        await ensure_running(ops)
        await stop_all_leaves_nothing(ops)


class TestLocalProxy:
    @pytest.fixture(scope="class")
    def cluster_file(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from class_copy(tmp_path_factory, "local-proxy")

    @pytest.fixture(scope="class")
    def started(self, cluster_file: Path) -> tuple[BatchReport, list[tuple[str, str]]]:
        return start_all_once(cluster_file)

    async def test_broker_in_a_proxy_jvm_serves_both_clients(self, ops: Operations, started: tuple) -> None:
        report, _ = started
        assert report.ok, report.summary()
        await ensure_running(ops)
        await serving(ops)
        statuses = await ops.status_all()
        proxy = statuses["broker-a"].proxy
        assert statuses["broker-a"].registered and proxy is not None and proxy.serving
        jvm = await ops.nodes.find(ops.cluster.node("broker-a"))
        assert jvm is not None and "org.apache.rocketmq.proxy.ProxyStartup" in jvm.argv
        await produce(ops, "LocalRemoting", via="broker-a")
        grpc_python()
        await produce(ops, "LocalGrpc", count=100, via="broker-a", grpc=True)

    async def test_stop_all_leaves_no_jvm(self, ops: Operations, started: tuple) -> None:
        await ensure_running(ops)
        await stop_all_leaves_nothing(ops)


class TestStandaloneController:
    @pytest.fixture(scope="class")
    def cluster_file(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from class_copy(tmp_path_factory, "controller-standalone")

    @pytest.fixture(scope="class")
    def started(self, cluster_file: Path) -> tuple[BatchReport, list[tuple[str, str]]]:
        return start_all_once(cluster_file)

    async def test_roles_as_elected_and_stop_all(self, ops: Operations, started: tuple) -> None:
        report, _ = started
        assert report.ok, report.summary()
        await ensure_running(ops)

        async def in_sync() -> bool:
            s = await ops.status_all()
            slave = s["broker-a-s"].elected
            return slave is not None and slave.role == "slave" and bool(slave.in_sync)

        await wait_until("broker-a-s in the sync-state set", in_sync, timeout=90)
        statuses = await ops.status_all()
        assert statuses["controller-1"].controller_role == "leader"
        master = statuses["broker-a"].elected
        assert master is not None and master.role == "master" and master.sync_state_set == ("broker-a", "broker-a-s")
        assert {n: s.note for n, s in statuses.items() if s.note} == {}
        assert all(s.state is NodeState.RUNNING for s in statuses.values())
        await stop_all_leaves_nothing(ops)
