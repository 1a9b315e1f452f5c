"""Start-all / stop-all orchestration (node actions replaced by a recorder; real JVMs:
tests/services/test_nodes_integration.py and test_topologies_integration.py)."""

from __future__ import annotations

import asyncio

from rocketui.backends.base import BackendError
from rocketui.model.cluster import Cluster, Node
from rocketui.model.loader import parse_cluster
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.usecases.gate import Gate
from rocketui.usecases.lifecycle import PER_HOST, Abort, Lifecycle
from tests.support.fake_service import TableService

HOSTS = 3
BROKERS_PER_HOST = 6


def fleet() -> Cluster:
    hosts = "".join(f"  h{i}: {{backend: local, address: 127.0.0.{i + 2}}}\n" for i in range(HOSTS))
    nodes = "  - {name: ns, kind: namesrv, host: h0, port: 9876}\n"
    for h in range(HOSTS):
        for b in range(BROKERS_PER_HOST):
            nodes += (
                f"  - {{name: b{h}-{b}, kind: broker, host: h{h}, port: {11000 + b * 10}, "
                f"broker_name: g{h}-{b}, config: /c/b{h}-{b}.properties}}\n"
            )
    text = f'cluster: C\nrocketmq: {{home: /opt/r, version: "5.5.0"}}\nwork_dir: /w\nhosts:\n{hosts}nodes:\n{nodes}'
    return parse_cluster(text, "/fleet.yaml")


class Recorder(TableService):
    def __init__(self, cluster: Cluster, *, fail: set[str] = frozenset(), unreachable: set[str] = frozenset()) -> None:
        super().__init__(cluster, {})
        self.fail, self.unreachable = fail, unreachable
        self.calls: list[str] = []
        self.running: dict[str, int] = {}  # host → actions under way now
        self.most: dict[str, int] = {}
        self.gate_open = asyncio.Event()
        self.gate_open.set()

    async def _act(self, verb: str, node: Node, ok: NodeState) -> NodeStatus:
        self.calls.append(f"{verb} {node.name}")
        self.running[node.host] = self.running.get(node.host, 0) + 1
        self.most[node.host] = max(self.most.get(node.host, 0), self.running[node.host])
        try:
            await self.gate_open.wait()
            await asyncio.sleep(0.01)
            if node.name in self.unreachable:
                raise BackendError(f"{node.host}: cannot connect: connection refused")
            if node.name in self.fail:
                return NodeStatus(node.name, NodeState.FAILED, message="port already in use")
            return NodeStatus(node.name, ok)
        finally:
            self.running[node.host] -= 1

    async def start(self, node: Node, **kw: object) -> NodeStatus:
        return await self._act("start", node, NodeState.RUNNING)

    async def stop(self, node: Node, **kw: object) -> NodeStatus:
        return await self._act("stop", node, NodeState.STOPPED)


async def test_start_all_runs_levels_in_order_with_bounded_concurrency_per_host() -> None:
    nodes = Recorder(fleet())
    counts: list[tuple[int, int]] = []
    outcome = await Lifecycle(nodes, Gate()).start_all(on_count=lambda d, t, f: counts.append((d, t)))
    assert outcome.ok and outcome.value is not None
    assert nodes.calls[0] == "start ns"  # the namesrv level before any broker
    assert max(nodes.most.values()) <= PER_HOST and nodes.most["h1"] == PER_HOST  # parallel, bounded
    total = 1 + HOSTS * BROKERS_PER_HOST
    assert counts[-1] == (total, total) and [d for d, _ in counts] == list(range(1, total + 1))


async def test_abort_stops_issuing_more() -> None:
    nodes = Recorder(fleet())
    nodes.gate_open.clear()
    abort = Abort()
    run = asyncio.create_task(Lifecycle(nodes, Gate()).start_all(abort=abort))
    await asyncio.sleep(0.05)  # the namesrv level is under way
    abort.set()
    nodes.gate_open.set()
    outcome = await run
    assert not outcome.ok and outcome.value is not None
    assert nodes.calls == ["start ns"]
    assert set(outcome.value.skipped) == {n.name for n in nodes.cluster.brokers}
    assert "aborted" in next(iter(outcome.value.skipped.values()))


async def test_stop_all_keeps_what_an_unreachable_node_depends_on_unless_forced() -> None:
    cluster = fleet()
    nodes = Recorder(cluster, unreachable={"b1-0"})
    outcome = await Lifecycle(nodes, Gate()).stop_all()
    assert not outcome.ok and outcome.value is not None
    assert "stop ns" not in nodes.calls and outcome.value.skipped == {
        "ns": "b1-0 did not stop; the nodes below it stay up (use --force to stop them anyway)"
    }
    assert "cannot connect" in outcome.value.failed["b1-0"]
    forced = Recorder(cluster, unreachable={"b1-0"})
    outcome = await Lifecycle(forced, Gate()).stop_all(force=True)
    assert "stop ns" in forced.calls and not outcome.ok  # b1-0 still reported


async def test_read_only_refuses_the_whole_batch_before_anything_runs() -> None:
    nodes = Recorder(fleet())
    outcome = await Lifecycle(nodes, Gate(read_only=True)).start_all()
    assert outcome.refused and outcome.exit_code == 2 and nodes.calls == []
