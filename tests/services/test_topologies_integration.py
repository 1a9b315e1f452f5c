"""Multi-node topologies against real JVMs on loopback (heaps 256m, namesrvs 128m).

One module for all three layouts, run one cluster at a time (a class per layout; its fixture
kills every JVM of the class when the class ends, pass or fail).  Each class's first start-all
is made once by its `started` fixture (and checked by its own test); every test then states the
state it needs (`ensure_running`), so each runs alone and in any order:
- 2 namesrvs + 2m-2s-sync: start-all in dependency order, every broker registered at both
  namesrvs with the right id; SEND_OK messages to a topic rocketui just created survive `kill -9`
  of their master at once (read back from its slave, none lost: the slave got the topic at
  creation, not a minute later), the slave is shown with "master down"; rolling restart with
  drain while two standard Java producers send (default retries and retries 0): no send fails,
  every SEND_OK readable; stop-all in reverse order;
- 2m-2s-async: the same crash; how many messages were lost is reported, the slave serves reads;
- 2m-noslave: with broker-a stopped, sends to the topic succeed on broker-b (its rolling restart
  with drain is what the sync layout's does for each master, minus the slaves: measured by hand,
  bench/RESULTS.md, not repeated here to keep the suite short).
Sending and pulling go through rocketui's own remoting client, except the standard producers.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from rocketui.model.cluster import Cluster, Node
from rocketui.model.loader import load_cluster
from rocketui.model.topology import parse_layout
from rocketui.rocketmq.remoting import BrokerClient, NamesrvClient, PullStatus, RemotingError, SendStatus
from rocketui.services.ha_status import ha_status
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.nodes import NodeService
from rocketui.services.rolling import RollingReport
from rocketui.services.topic_replicas import TopicSpec
from rocketui.usecases.lifecycle import BatchReport
from rocketui.usecases.operations import Operations
from tests.support import java_clients
from tests.support.ports import free_port
from tests.support.rocketmq import ensure_running, java_processes_under, kill_jvms_under, rocketmq_home

pytestmark = [pytest.mark.rocketmq]

START_TIMEOUT = 180.0  # six JVMs on two shared cores
GROUP = "rocketui_topology_test"
QUEUES = 4


def write_topology_cluster(tmp: Path, layout: str, ns_port: int, broker_port: int) -> Path:
    """A cluster file with a topology section, and its generated broker properties."""
    masters, slaves, replication = parse_layout(layout)
    path = tmp / f"{layout}.yaml"
    path.write_text(f"""\
cluster: TopoTest
rocketmq: {{home: {rocketmq_home()}, version: "5.5.0"}}
work_dir: {tmp / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
defaults:
  jvm: {{xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}}
topology:
  masters: {masters}
  slaves_per_master: {slaves}
  replication: {replication.value}
  namesrvs: 2
  namesrv_port: {ns_port}
  broker_port: {broker_port}
  config_dir: conf
  jvm:
    namesrv: {{xms: 128m, xmx: 128m, xmn: 64m}}
  properties: {{mappedFileSizeCommitLog: 134217728}}
""")
    cluster = load_cluster(str(path))

    async def gen() -> None:
        ops = Operations(cluster)
        try:
            outcome = await ops.provision.generate(await ops.provision.plan_generate())
        finally:
            await ops.close()
        assert outcome.ok and outcome.value is not None and len(outcome.value) == len(cluster.brokers), outcome

    asyncio.run(gen())
    return path


def addr(cluster: Cluster, name: str) -> str:
    node = cluster.node(name)
    return f"{cluster.advertised_address(node)}:{node.port}"


def ns_addrs(cluster: Cluster) -> list[str]:
    return [f"{cluster.advertised_address(n)}:{n.port}" for n in cluster.namesrvs]


async def views(cluster: Cluster) -> dict[str, dict[str, dict[int, str]]]:
    """Each namesrv's own answer: broker name → {id: address}."""
    out = {}
    for ns in ns_addrs(cluster):
        async with NamesrvClient(ns, timeout=3.0) as client:
            info = await client.cluster_info()
        out[ns] = {name: dict(data.addrs) for name, data in info.brokers.items()}
    return out


async def wait_for(what: str, check, timeout: float = 30.0) -> None:  # check: async () -> bool
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out after {timeout:g}s waiting for {what}"
        await asyncio.sleep(0.2)


def level_order_ok(events: list[tuple[str, str]], levels: list[list[str]], start: str, done: str) -> None:
    """Every node of a level reached `done` before any node of the next level saw `start` (nodes
    with nothing to do, e.g. already stopped, are left out)."""

    def first(name: str, text: str) -> int | None:
        return next((i for i, (n, m) in enumerate(events) if n == name and text in m), None)

    acted = [[n for n in level if first(n, start) is not None] for level in levels]
    for earlier, later in itertools.pairwise(acted):
        if not earlier or not later:
            continue
        finished = max(first(n, done) or len(events) for n in earlier)
        begun = min(first(n, start) or 0 for n in later)
        assert finished < begun, f"{later} began before {earlier} were done: {events}"


async def create_topic(cluster: Cluster, topic: str) -> None:
    """On every broker: a slave copies topic configs from its master only about once a minute,
    and refuses pulls of a topic it does not know."""
    for broker in cluster.brokers:
        async with BrokerClient(addr(cluster, broker.name)) as client:
            await client.create_topic(topic, read_queue_nums=QUEUES, write_queue_nums=QUEUES)


async def wait_in_sync(service: NodeService, master: Node) -> None:
    async def synced() -> bool:
        try:
            return (await ha_status(service, master)).in_sync >= 1
        except RemotingError:
            return False

    await wait_for(f"{master.name} to have its slave in sync", synced, timeout=60)


async def wait_topic_on(broker: str, topic: str) -> None:
    """The slave knows the topic (else it answers pulls with TOPIC_NOT_EXIST)."""
    async with BrokerClient(broker) as client:

        async def known() -> bool:
            try:
                await client.pull(GROUP, topic, 0, 0, 1)
                return True
            except RemotingError as exc:
                if exc.code != 17:  # TOPIC_NOT_EXIST
                    raise
                return False

        await wait_for(f"topic {topic} on {broker}", known, timeout=40)


async def send_to(broker: str, topic: str, count: int) -> set[str]:
    """`count` messages to one broker (queues round robin); every one must be SEND_OK."""
    sent: set[str] = set()
    async with BrokerClient(broker, timeout=5.0) as client:
        for i in range(count):
            body = f"{topic}-{i}"
            result = await client.send_v2(topic, body.encode(), queue_id=i % QUEUES)
            assert result.status is SendStatus.SEND_OK, (body, result)
            sent.add(body)
    return sent


async def pull_all(broker: str, topic: str, expect: set[str], *, settle: float = 5.0) -> set[str]:
    """Every message body of `topic` on `broker`, pulled until all of `expect` arrived or nothing
    new came for `settle` seconds."""
    got: set[str] = set()
    offsets = dict.fromkeys(range(QUEUES), 0)
    quiet_since = time.monotonic()
    async with BrokerClient(broker, timeout=5.0) as client:
        while not expect <= got and time.monotonic() - quiet_since < settle:
            progressed = False
            for q in range(QUEUES):
                result = await client.pull(GROUP, topic, q, offsets[q], 32)
                assert result.status is not PullStatus.OFFSET_ILLEGAL, (q, offsets[q], result)
                if result.status is PullStatus.FOUND and result.messages:
                    got.update(m.body.decode() for m in result.messages)
                    progressed = True
                offsets[q] = result.next_begin_offset
            if progressed:
                quiet_since = time.monotonic()
            else:
                await asyncio.sleep(0.1)
    return got


async def kill_master_and_see_it_down(service: NodeService, master: str, slave: str) -> None:
    cluster = service.cluster
    status = await service.status(cluster.node(master))
    assert status.pid
    os.kill(status.pid, signal.SIGKILL)

    async def dropped() -> bool:  # the namesrvs drop a broker as soon as its connection closes
        return all(0 not in v.get(cluster.node(master).broker_name or "", {}) for v in (await views(cluster)).values())

    await wait_for(f"the namesrvs to drop {master}", dropped)
    statuses: dict[str, NodeStatus] = {}

    async def crashed() -> bool:  # the launch wrapper records the exit a moment after the JVM died
        statuses.update(await service.status_all())
        return statuses[master].state is NodeState.CRASHED

    await wait_for(f"{master} shown crashed", crashed, timeout=20)
    assert statuses[slave].state is NodeState.RUNNING
    assert statuses[slave].note == f"master down ({master}: crashed)"


RATE = "100"  # msg/s per standard Java producer; two producers


async def read_ids(ops: Operations, topic: str) -> set[str]:
    """Every message id (UNIQ_KEY) of `topic`, read queue by queue from min to max offset at each master."""
    ids: set[str] = set()
    for group in await ops.admin.clients.groups():
        assert group.master, group
        async with BrokerClient(group.master, timeout=10.0) as client:
            for q in range(QUEUES):
                offset = await client.get_min_offset(topic, q)
                while True:
                    result = await client.pull("rocketui_check", topic, q, offset, 32)
                    if result.status is not PullStatus.FOUND:
                        break
                    ids.update(m.msg_id for m in result.messages)
                    offset = result.next_begin_offset
    return ids


async def rolling_with_producers(ops: Operations, workdir: Path, topic: str) -> RollingReport:
    """`restart --rolling` while two standard Java DefaultMQProducers (tests/java/StdClients.java,
    compiled against the distribution's client jar) send at a steady rate through the namesrvs'
    routes, one with the client's default retries and one with retries 0: no send may fail or be
    answered other than SEND_OK, and every SEND_OK must be readable afterwards.  A SYSTEM_BUSY
    answer (a live broker shedding load on these shared cores) is counted apart for the
    retries-0 producer; the default one resends it, so it must see none."""
    cluster = ops.cluster
    created = await ops.admin.create_topic(TopicSpec(topic, QUEUES, QUEUES))
    assert created.ok, created.summary
    home = rocketmq_home()
    classes = java_clients.compile_clients(home, workdir / "classes")
    producers = {
        retries: java_clients.start_client(
            classes, home, workdir, f"producer-{retries}", "produce", ";".join(ns_addrs(cluster)), topic, RATE, retries
        )
        for retries in ("default", "0")
    }
    try:
        for p in producers.values():
            p.wait_started()
        for p in producers.values():
            p.wait_sending()
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
    log = "\n".join(f"{t:6.1f}s {n}: {m}" for t, n, m in events)
    assert outcome.ok and outcome.value is not None, outcome.summary + "\n" + log
    print(f"\n{cluster.name} rolling restart: {outcome.summary}\n{log}")
    assert any(" drained" in m for _, _, m in events), log
    results = {r: java_clients.producer_result(p) for r, p in producers.items()}
    for retries, result in results.items():
        print(
            f"  retries {retries}: {len(result.ok)} SEND_OK, {len(result.failed)} failed, "
            f"{len(result.busy)} answered busy, {len(result.not_ok)} not OK; "
            f"{len(result.cold)} failed before its first SEND_OK, before the restart: {result.cold[:2]}"
        )
        assert len(result.ok) > 1000, (retries, len(result.ok))
        assert result.failed == [], (retries, result.failed[:5])
        if retries == "default":  # a 5.x client sends a busy answer again
            assert result.busy == [], result.busy[:5]
        assert result.not_ok == [], (retries, result.not_ok[:5])
    sent = {msg_id for result in results.values() for msg_id, _ in result.ok}
    unread = sent - await read_ids(ops, topic)
    assert unread == set(), f"{len(unread)} SEND_OK messages not readable"
    return outcome.value


@pytest.fixture
async def ops(cluster_file: Path) -> AsyncIterator[Operations]:
    """Fresh operations per test on the class's cluster (`cluster_file` is defined per class)."""
    ops = Operations(load_cluster(str(cluster_file)))
    yield ops
    await ops.close()


@pytest.fixture
def service(ops: Operations) -> NodeService:
    return ops.nodes


def class_cluster(tmp_path_factory: pytest.TempPathFactory, layout: str) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp(layout)
    # the topology places brokers at base, base+10, … (each taking port-2 .. port+1) and, here,
    # the namesrvs at base+50 and base+60: one free block for all of it
    base = free_port(offsets=tuple(range(-2, 62)))
    ns_port = base + 50
    try:
        yield write_topology_cluster(tmp, layout, ns_port, base)
    finally:
        kill_jvms_under(str(tmp))


class StartAll:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.report: BatchReport | None = None


def start_all_once(cluster_file: Path) -> StartAll:
    """The class's first start-all (what `test_start_all…` checks); later tests ensure_running."""
    result = StartAll()

    async def run() -> None:
        ops = Operations(load_cluster(str(cluster_file)))
        try:
            outcome = await ops.lifecycle.start_all(
                progress=lambda n, m: result.events.append((n, m)), timeout=START_TIMEOUT
            )
            result.report = outcome.value
        finally:
            await ops.close()

    asyncio.run(run())
    return result


async def start_all_checked(ops: Operations, started: StartAll) -> None:
    """start-all: in dependency order, everything running, every broker at both namesrvs with its id."""
    cluster = ops.cluster
    report = started.report
    assert report is not None and report.ok, report and report.summary()
    assert {n: s.state for n, s in report.results.items()} == {n.name: NodeState.RUNNING for n in cluster.nodes}
    levels = [[n.name for n in level] for level in ops.lifecycle.levels()]
    assert len(levels) == (3 if any(b.broker_id for b in cluster.brokers) else 2)
    level_order_ok(started.events, levels, "starting:", "running (pid")
    await ensure_running(ops)
    expected: dict[str | None, dict[int, str]] = {}
    for b in cluster.brokers:
        expected.setdefault(b.broker_name, {})[b.broker_id] = addr(cluster, b.name)
    assert await views(cluster) == {ns: expected for ns in ns_addrs(cluster)}
    statuses = await ops.status_all()
    assert all(statuses[b.name].registered for b in cluster.brokers)
    assert {n: s.note for n, s in statuses.items() if s.note} == {}


async def stop_all_checked(ops: Operations) -> None:
    events: list[tuple[str, str]] = []
    outcome = await ops.lifecycle.stop_all(progress=lambda n, m: events.append((n, m)))
    assert outcome.ok and outcome.value is not None, outcome.summary
    assert all(s.state is NodeState.STOPPED for s in outcome.value.results.values()), outcome.value.results
    levels = [[n.name for n in level] for level in reversed(ops.lifecycle.levels())]
    level_order_ok(events, levels, "stopping:", "stopped")
    assert java_processes_under(str(Path(ops.cluster.source).parent)) == []


class TestSync:
    @pytest.fixture(scope="class")
    def cluster_file(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from class_cluster(tmp_path_factory, "2m-2s-sync")

    @pytest.fixture(scope="class")
    def started(self, cluster_file: Path) -> StartAll:
        return start_all_once(cluster_file)

    async def test_start_all_in_order_registered_with_ids(self, ops: Operations, started: StartAll) -> None:
        await start_all_checked(ops, started)

    async def test_kill_master_right_after_creating_a_topic_loses_nothing(
        self, ops: Operations, service: NodeService, started: StartAll
    ) -> None:
        await ensure_running(ops)
        cluster = service.cluster
        await wait_in_sync(service, cluster.node("broker-a"))
        created = await ops.admin.create_topic(TopicSpec("TopoSync", QUEUES, QUEUES))  # masters and slaves
        assert created.ok, created.summary
        sent = await send_to(addr(cluster, "broker-a"), "TopoSync", 300)
        # at once: no slave sync of topic definitions (about once a minute) could have run
        await kill_master_and_see_it_down(service, "broker-a", "broker-a-s")
        read = await pull_all(addr(cluster, "broker-a-s"), "TopoSync", sent)
        missing = sent - read
        # SYNC_MASTER acknowledges a send only once the slave has it; the generated slave has
        # readUnCommitted=true so it serves everything it has (a 5.x slave otherwise stops at the
        # master's last confirm offset and loses the newest few for readers: 0, 4 and 38 of 300).
        print(f"\nsync: {len(read)} of {len(sent)} SEND_OK messages readable from the slave after kill -9")
        assert read == sent, f"{len(missing)} acknowledged messages unreadable from the slave"

    async def test_rolling_restart_drains_so_no_standard_send_fails(
        self, ops: Operations, started: StartAll, tmp_path: Path
    ) -> None:
        await ensure_running(ops)
        report = await rolling_with_producers(ops, tmp_path / "java", "RollSync")
        assert [s.node for s in report.steps] == ["broker-a-s", "broker-a", "broker-b-s", "broker-b"]

    async def test_stop_all_in_reverse_order(self, ops: Operations, started: StartAll) -> None:
        await ensure_running(ops)
        await stop_all_checked(ops)


class TestAsync:
    @pytest.fixture(scope="class")
    def cluster_file(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from class_cluster(tmp_path_factory, "2m-2s-async")

    async def test_kill_master_slave_serves_reads(
        self, ops: Operations, service: NodeService, record_property: Callable[[str, object], None]
    ) -> None:
        outcome = await ops.lifecycle.start_all(timeout=START_TIMEOUT)
        assert outcome.ok, outcome.summary
        cluster = service.cluster
        await create_topic(cluster, "TopoAsync")
        await wait_topic_on(addr(cluster, "broker-a-s"), "TopoAsync")
        await wait_in_sync(service, cluster.node("broker-a"))
        sent = await send_to(addr(cluster, "broker-a"), "TopoAsync", 300)
        await kill_master_and_see_it_down(service, "broker-a", "broker-a-s")  # right after the last SEND_OK
        read = await pull_all(addr(cluster, "broker-a-s"), "TopoAsync", sent)
        lost = len(sent - read)
        record_property("async_lost", lost)
        print(
            f"\n2m-2s-async: kill -9 of broker-a right after {len(sent)} SEND_OK: "
            f"{len(read)} read back from broker-a-s, {lost} lost"
        )
        assert read <= sent and len(read) > 0  # the slave serves reads
        # (stop-all's reverse order is checked once, on the sync layout; the fixture kills the rest)


class TestNoSlave:
    @pytest.fixture(scope="class")
    def cluster_file(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
        yield from class_cluster(tmp_path_factory, "2m-noslave")

    async def test_stopping_broker_a_leaves_sends_to_broker_b(self, ops: Operations) -> None:
        outcome = await ops.lifecycle.start_all(timeout=START_TIMEOUT)
        assert outcome.ok, outcome.summary
        cluster = ops.cluster
        await create_topic(cluster, "TopoNoSlave")
        stopped = await ops.lifecycle.stop(cluster.node("broker-a"))
        assert stopped.ok, stopped.summary

        async def route_without_a() -> bool:
            for ns in ns_addrs(cluster):
                async with NamesrvClient(ns) as client:
                    route = await client.topic_route("TopoNoSlave")
                if {q.broker_name for q in route.queues} != {"broker-b"}:
                    return False
            return True

        await wait_for("the route of TopoNoSlave to list broker-b only", route_without_a)
        async with NamesrvClient(ns_addrs(cluster)[0]) as client:
            route = await client.topic_route("TopoNoSlave")
        target = route.brokers[0].addrs[0]
        assert target == addr(cluster, "broker-b")
        assert len(await send_to(target, "TopoNoSlave", 50)) == 50
        with pytest.raises(RemotingError, match="cannot connect"):
            await send_to(addr(cluster, "broker-a"), "TopoNoSlave", 1)
