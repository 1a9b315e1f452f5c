"""Rolling restart with drain, judged by a standard Java DefaultMQProducer (tests/java/StdClients.java,
compiled against the distribution's client jar) at a steady rate: one producer with the client's
default retries and one with retries 0, through `restart --rolling` of 2m-noslave and
2m-2s-sync.  No send may fail and every SEND_OK must be readable afterwards.  The sync layout
also checks that a topic created by rocketui survives a kill -9 of its master at once: every
SEND_OK is readable from the slave (the slave got the topic at creation, not ~60 s later).

Each class starts its own cluster (2 namesrvs, heaps 256m) and kills it when the class ends.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from rocketui.model.loader import load_cluster
from rocketui.rocketmq.remoting import BrokerClient, NamesrvClient, PullStatus
from rocketui.services.node_status import NodeState
from rocketui.services.topic_replicas import TopicSpec
from rocketui.usecases.journal import Journal
from rocketui.usecases.operations import Operations
from tests.services.test_topologies_integration import START_TIMEOUT, write_topology_cluster
from tests.support import java_clients
from tests.support.ports import free_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home

pytestmark = [pytest.mark.rocketmq]
QUEUES = 4
RATE = "100"  # msg/s per producer; two producers


def ports() -> tuple[int, int]:
    """(first namesrv port, first broker port): namesrvs at +0/+10, brokers at +100/+110/… (each -2..+1)."""
    base = free_port(offsets=(0, 10, *(100 + o + 10 * i for i in range(4) for o in (-2, -1, 0, 1))))
    return base, base + 100


def layout_cluster(tmp_path_factory: pytest.TempPathFactory, layout: str) -> Iterator[tuple[Path, Path]]:
    tmp = tmp_path_factory.mktemp(layout)
    try:
        ns, brokers = ports()
        yield write_topology_cluster(tmp, layout, ns, brokers), tmp
    finally:
        kill_jvms_under(str(tmp))


@pytest.fixture
async def ops(cluster: tuple[Path, Path], tmp_path: Path) -> AsyncIterator[Operations]:
    o = Operations(load_cluster(str(cluster[0])), journal=Journal(tmp_path / "journal.jsonl"))
    yield o
    await o.close()


async def start_all(ops: Operations) -> None:
    outcome = await ops.lifecycle.start_all(timeout=START_TIMEOUT)
    assert outcome.ok, outcome.summary


async def read_ids(ops: Operations, topic: str, *, from_slave_of: str | None = None) -> set[str]:
    """Every message id (UNIQ_KEY) of `topic`, read queue by queue from min to max offset at each
    master (or at the slave of broker name `from_slave_of`)."""
    ids: set[str] = set()
    for group in await ops.admin.clients.groups():
        if from_slave_of is not None and group.name != from_slave_of:
            continue
        addr = group.slaves[0] if from_slave_of is not None else group.master
        assert addr, group
        async with BrokerClient(addr, timeout=10.0) as client:
            for q in range(QUEUES):
                offset = await client.get_min_offset(topic, q)
                while True:
                    result = await client.pull("rocketui_check", topic, q, offset, 32)
                    if result.status is not PullStatus.FOUND:
                        break
                    ids.update(m.msg_id for m in result.messages)
                    offset = result.next_begin_offset
    return ids


async def rolling_with_producers(ops: Operations, workdir: Path, topic: str) -> None:
    cluster = ops.cluster
    created = await ops.admin.create_topic(TopicSpec(topic, QUEUES, QUEUES))
    assert created.ok, created.summary
    home = rocketmq_home()
    classes = java_clients.compile_clients(home, workdir / "classes")
    ns = ";".join(f"{cluster.advertised_address(n)}:{n.port}" for n in cluster.namesrvs)
    producers = {
        retries: java_clients.start_client(
            classes, home, workdir, f"producer-{retries}", "produce", ns, topic, RATE, retries
        )
        for retries in ("default", "0")
    }
    try:
        for p in producers.values():
            p.wait_started()
        await asyncio.sleep(3)
        events: list[tuple[float, str, str]] = []
        t0 = time.monotonic()
        outcome = await ops.lifecycle.rolling_restart(
            progress=lambda n, m: events.append((time.monotonic() - t0, n, m)), timeout=START_TIMEOUT
        )
        await asyncio.sleep(3)
    finally:
        for p in producers.values():
            p.stop()
    assert outcome.ok, outcome.summary + "\n" + "\n".join(f"{t:6.1f} {n}: {m}" for t, n, m in events)
    drains = [m for _, _, m in events if " drained" in m]
    print(f"\n{cluster.name} rolling restart: {outcome.summary}")
    print("  " + "\n  ".join(f"{t:6.1f}s {n}: {m}" for t, n, m in events if "drain" in m or "restarted" in m))
    results = {r: java_clients.producer_result(p) for r, p in producers.items()}
    for retries, result in results.items():
        print(
            f"  retries {retries}: {len(result.ok)} SEND_OK, {len(result.failed)} failed, {len(result.not_ok)} not OK"
        )
    assert drains, events
    for retries, result in results.items():
        assert len(result.ok) > 1000, (retries, len(result.ok))
        assert result.failed == [], (retries, result.failed[:5])
        assert result.not_ok == [], (retries, result.not_ok[:5])
    sent = {msg_id for result in results.values() for msg_id, _ in result.ok}
    read = await read_ids(ops, topic)
    assert sent - read == set(), f"{len(sent - read)} SEND_OK messages not readable"


class TestNoSlave:
    @pytest.fixture(scope="class")
    def cluster(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
        yield from layout_cluster(tmp_path_factory, "2m-noslave")

    async def test_rolling_restart_drains_no_failed_sends(self, ops: Operations, cluster: tuple[Path, Path]) -> None:
        await start_all(ops)
        await rolling_with_producers(ops, cluster[1] / "java", "RollNoSlave")


class TestSync:
    @pytest.fixture(scope="class")
    def cluster(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
        yield from layout_cluster(tmp_path_factory, "2m-2s-sync")

    async def test_rolling_restart_drains_no_failed_sends(self, ops: Operations, cluster: tuple[Path, Path]) -> None:
        await start_all(ops)
        await rolling_with_producers(ops, cluster[1] / "java", "RollSync")

    async def test_new_topic_survives_kill_of_its_master(self, ops: Operations) -> None:
        topic = "FreshKill"
        created = await ops.admin.create_topic(TopicSpec(topic, QUEUES, QUEUES))
        assert created.ok, created.summary
        master = ops.cluster.node("broker-a")
        sent: set[str] = set()
        async with BrokerClient(ops.cluster.endpoint(master), timeout=5.0) as client:
            for i in range(300):
                result = await client.send_v2(topic, f"fresh-{i}".encode(), queue_id=i % QUEUES)
                sent.add(result.msg_id)
        status = await ops.nodes.status(master)
        assert status.pid
        os.kill(status.pid, signal.SIGKILL)  # at once: no slave sync of topic definitions could have run

        async def dropped() -> bool:
            async with NamesrvClient(ops.admin.namesrvs[0]) as ns:
                info = await ns.cluster_info()
            return 0 not in info.brokers["broker-a"].addrs

        deadline = time.monotonic() + 30
        while not await dropped():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        assert (await ops.nodes.status(master)).state in (NodeState.STOPPED, NodeState.CRASHED)
        read = await read_ids(ops, topic, from_slave_of="broker-a")
        print(
            f"\nkill -9 right after creating {topic}: {len(read & sent)} of {len(sent)} SEND_OK readable from the slave"
        )
        assert read == sent
