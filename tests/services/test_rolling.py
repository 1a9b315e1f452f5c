"""Rolling restart orchestration: order, one broker at a time, abort on the first failure.

The node operations are replaced by a recorder (real JVMs: tests/services/test_topologies_integration.py)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from rocketui.backends.base import BackendError
from rocketui.model.cluster import Cluster, Node
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.remoting.route import BrokerData, ClusterInfo
from rocketui.services.ha_status import HaStatus, parse_ha_status
from rocketui.services.node_status import LATE, NodeState, NodeStatus
from rocketui.services.nodes import NodeError
from rocketui.services.rolling import DrainSteps, rolling_order, rolling_restart
from tests.support.fake_service import DEMO_STATUSES, TableService, demo_cluster

TEXT = """\
cluster: C
rocketmq: {home: /opt/rocketmq, version: "5.5.0"}
work_dir: /tmp/x
hosts:
  local: {backend: local, address: 127.0.0.1}
topology: {masters: 2, slaves_per_master: 1, replication: sync, namesrvs: 2}
"""


def cluster() -> Cluster:
    return parse_cluster(TEXT, "/c.yaml")


class FakeProbe:
    """Both namesrvs list every broker under its defined name and id."""

    def __init__(self, cluster: Cluster) -> None:
        brokers: dict[str, dict[int, str]] = {}
        for b in cluster.brokers:
            brokers.setdefault(b.broker_name or "", {})[b.broker_id] = f"127.0.0.1:{b.port}"
        view = ClusterInfo({"C": sorted(brokers)}, {n: BrokerData("C", n, a) for n, a in brokers.items()})
        self.views = {f"127.0.0.1:{ns.port}": view for ns in cluster.namesrvs}

    def invalidate(self) -> None:
        pass

    async def registered_addresses(self) -> None:
        return None

    async def close(self) -> None:
        pass


class Recorder(TableService):
    """Records stop/start; the HA probe says a master has `in_sync` slaves in sync."""

    def __init__(self, cluster: Cluster, fail_start: str | None = None) -> None:
        statuses = {
            n.name: NodeStatus(n.name, NodeState.RUNNING, registered_at=("a", "b"), namesrv_count=2)
            for n in cluster.nodes
        }
        super().__init__(cluster, statuses)
        self.registration = FakeProbe(cluster)  # type: ignore[assignment]
        self.calls: list[str] = []
        self.fail_start = fail_start
        self.in_sync = 1
        self.listening: set[str] = set()
        self.note_registered = False  # record when a start is done ("registered X")

    async def ha(self, service: object, master: Node) -> HaStatus:
        self.calls.append(f"ha {master.name}")
        return HaStatus(self.in_sync, self.in_sync)

    async def stop(self, node: Node, **kw: object) -> NodeStatus:
        self.calls.append(f"stop {node.name}")
        self.listening.discard(node.name)
        return NodeStatus(node.name, NodeState.STOPPED)

    async def start(self, node: Node, **kw: object) -> NodeStatus:
        self.calls.append(f"start {node.name}")
        self.listening.add(node.name)  # the port opens early; boot line and registration come later
        if node.name == self.fail_start:
            return NodeStatus(node.name, NodeState.FAILED, message="port already in use")
        for _ in range(5):  # a few polls of the port (HOLD_POLL_SECONDS) before the start is done
            await asyncio.sleep(0.05)
        if self.note_registered:
            self.calls.append(f"registered {node.name}")
        return NodeStatus(node.name, NodeState.RUNNING)

    async def accepts(self, node: Node, port: int | None = None) -> bool:
        return node.name in self.listening


def test_order_slaves_before_their_master() -> None:
    assert [n.name for n in rolling_order(cluster())] == ["broker-a-s", "broker-a", "broker-b-s", "broker-b"]
    assert [n.name for n in rolling_order(cluster(), ["broker-b", "namesrv-1", "broker-a-s"])] == [
        "broker-a-s",
        "broker-b",
    ]


async def test_one_broker_at_a_time() -> None:
    service = Recorder(cluster())
    messages: list[tuple[str, str]] = []
    report = await rolling_restart(
        service, stop=service.stop, start=service.start, progress=lambda n, m: messages.append((n, m)), ha=service.ha
    )
    assert report.ok, report.summary()
    # after each step, the group's master must report its slave in sync before the next stop
    assert service.calls == [
        "stop broker-a-s",
        "start broker-a-s",
        "ha broker-a",
        "stop broker-a",
        "start broker-a",
        "ha broker-a",
        "stop broker-b-s",
        "start broker-b-s",
        "ha broker-b",
        "stop broker-b",
        "start broker-b",
        "ha broker-b",
    ]
    assert report.summary().startswith("rolling restart done: broker-a-s, broker-a, broker-b-s, broker-b (")
    assert messages[0] == ("broker-a-s", "[1/4] rolling restart: stopping")


async def test_aborts_at_the_first_failure() -> None:
    service = Recorder(cluster(), fail_start="broker-a")
    report = await rolling_restart(service, stop=service.stop, start=service.start, ha=service.ha)
    assert not report.ok
    assert service.calls == ["stop broker-a-s", "start broker-a-s", "ha broker-a", "stop broker-a", "start broker-a"]
    assert report.not_restarted == ["broker-b-s", "broker-b"]
    assert report.summary() == (
        "rolling restart aborted: [2/4] broker-a: start ended failed: port already in use; "
        "restarted: broker-a-s; not restarted: broker-b-s, broker-b"
    )


async def test_refuses_to_start_from_a_degraded_cluster() -> None:
    service = TableService(demo_cluster(), DEMO_STATUSES)
    report = await rolling_restart(service, stop=service.stop, start=service.start)
    assert not report.ok and report.steps == []
    assert report.summary() == (
        "rolling restart aborted: broker-a-s is starting before the first step; rolling "
        "restart needs every broker running and registered (start it, or restart it alone); "
        "not restarted: broker-a-s, broker-a, broker-b"
    )


async def test_aborts_when_the_slave_does_not_catch_up() -> None:
    service = Recorder(cluster())
    service.in_sync = 0
    report = await rolling_restart(service, stop=service.stop, start=service.start, ha=service.ha, timeout=0.3)
    assert service.calls[:3] == ["stop broker-a-s", "start broker-a-s", "ha broker-a"]
    assert "stop broker-a" not in service.calls
    assert report.summary() == (
        "rolling restart aborted: [1/4] broker-a-s: master broker-a reports 0 of 1 slave(s) "
        "in sync (0 connected) after 0.3s; not restarted: broker-a, broker-b-s, broker-b"
    )


def test_parse_ha_status() -> None:
    body = {"haConnectionInfo": [{"addr": "127.0.0.1:33102", "inSync": True}], "inSyncSlaveNums": 1, "master": True}
    assert parse_ha_status(body) == HaStatus(1, 1)
    assert parse_ha_status({"haConnectionInfo": [], "inSyncSlaveNums": 0}) == HaStatus(0, 0)
    for bad, why in (
        ([], "is a list"),
        ({"haConnectionInfo": {}}, "not an array"),
        ({"inSyncSlaveNums": "x"}, "inSyncSlaveNums is 'x'"),
    ):
        with pytest.raises(ValueError, match=why):
            parse_ha_status(bad)


def drain_steps(service: Recorder, sync: bool, fail_drain: str | None = None) -> DrainSteps:
    async def drain(master: Node, wait: bool) -> None:
        service.calls.append(f"drain {master.name}" + ("" if wait else " (hold)"))
        if master.name == fail_drain:
            raise NodeError("put TPS still 12.0 after 45s")

    async def undrain(master: Node) -> None:
        service.calls.append(f"undrain {master.name}")

    async def is_sync_master(master: Node) -> bool:
        return sync

    return DrainSteps(drain, undrain, is_sync_master)


async def test_drains_masters_and_sync_masters_while_their_slave_restarts() -> None:
    service = Recorder(cluster())
    service.note_registered = True
    report = await rolling_restart(
        service, stop=service.stop, start=service.start, ha=service.ha, drain=drain_steps(service, sync=True)
    )
    assert report.ok, report.summary()
    calls = [c for c in service.calls if not c.startswith("ha")]
    assert calls[:10] == [
        "drain broker-a",  # while its slave restarts: a sync master would wait for the slave
        "stop broker-a-s",
        "start broker-a-s",
        "registered broker-a-s",
        # kept drained for the master's own restart (an undrain/drain pair costs a route refresh)
        "stop broker-a",
        "start broker-a",
        # back writable from its file: drained again as soon as its port accepts, before it
        # registers (a producer's route refresh in between would send to it), until its slave syncs
        "drain broker-a (hold)",
        "registered broker-a",
        "undrain broker-a",
        "drain broker-b",
    ]


async def test_a_held_master_whose_hold_fails_aborts_and_is_made_writable() -> None:
    service = Recorder(cluster())
    steps = drain_steps(service, sync=True)
    holds: list[str] = []

    async def drain(master: Node, wait: bool) -> None:
        if not wait:
            holds.append(master.name)
            raise NodeError("connection reset")
        await steps.drain(master, wait)

    report = await rolling_restart(
        service,
        stop=service.stop,
        start=service.start,
        ha=service.ha,
        drain=DrainSteps(drain, steps.undrain, steps.is_sync_master),
    )
    assert not report.ok and "broker-a: connection reset" in report.error, report.error
    assert holds == ["broker-a"]
    assert service.calls[-1] == "undrain broker-a"
    assert "start broker-b-s" not in service.calls


async def test_async_slaves_restart_without_draining_their_master() -> None:
    service = Recorder(cluster())
    await rolling_restart(
        service, stop=service.stop, start=service.start, ha=service.ha, drain=drain_steps(service, sync=False)
    )
    first = [c for c in service.calls if not c.startswith("ha")][:3]
    assert first == ["stop broker-a-s", "start broker-a-s", "drain broker-a"]


async def test_a_drain_that_does_not_finish_aborts_before_stopping() -> None:
    service = Recorder(cluster())
    report = await rolling_restart(
        service,
        stop=service.stop,
        start=service.start,
        ha=service.ha,
        drain=drain_steps(service, sync=True, fail_drain="broker-a"),
    )
    assert not report.ok and "put TPS still" in report.error
    assert not any(c.startswith("stop") for c in service.calls)
    assert service.calls[-1] == "undrain broker-a"  # not left read-only


async def test_refuses_to_start_while_a_brokers_row_is_the_last_polls() -> None:
    # a host that has not answered this poll yet keeps its last row (running, registered):
    # that is no proof the broker is still up, so the restart does not begin on it
    service = Recorder(cluster())
    service.statuses["broker-b"] = replace(service.statuses["broker-b"], host_state=f"{LATE} (0.4s)")
    report = await rolling_restart(service, stop=service.stop, start=service.start, ha=service.ha)
    assert not report.ok and service.calls == []
    assert report.error.startswith("broker-b is not answering yet (its row is the last poll's)"), report.error


async def test_a_held_masters_port_check_that_fails_once_is_asked_again() -> None:
    # over SSH the port check can fail while the connection is remade: the hold keeps asking
    # until its deadline instead of ending the restart without undraining
    class Flaky(Recorder):
        failures = 2

        async def accepts(self, node: Node, port: int | None = None) -> bool:
            if node.name == "broker-a" and self.failures:
                self.failures -= 1
                raise BackendError("127.0.0.1: connection lost")
            return await super().accepts(node)

    service = Flaky(cluster())
    report = await rolling_restart(
        service, stop=service.stop, start=service.start, ha=service.ha, drain=drain_steps(service, sync=True)
    )
    assert report.ok, report.summary()
    assert service.failures == 0 and "drain broker-a (hold)" in service.calls
