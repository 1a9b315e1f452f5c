"""The remoting client against a real 5.5.x namesrv + broker (started once for this module)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from rocketui.rocketmq.remoting import (
    BrokerClient,
    ClusterInfo,
    NamesrvClient,
    PullStatus,
    RemotingClient,
    RemotingError,
    SendStatus,
    TopicRoute,
    cluster_info_from_any,
)
from rocketui.rocketmq.remoting.codec import SerializeType
from rocketui.rocketmq.remoting.codes import RequestCode
from rocketui.rocketmq.remoting.message import MessageExt, parse_offset_msg_id
from rocketui.rocketmq.remoting.results import SendResult
from tests.rocketmq.remoting import jvms
from tests.rocketmq.remoting.fake_peer import free_port

pytestmark = pytest.mark.rocketmq


@pytest.fixture(scope="module")
def rmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[jvms.Jvms]:
    root = tmp_path_factory.mktemp("remoting-jvms")
    try:
        yield jvms.start(root)
    finally:
        jvms.stop(root)


async def pull_all(
    broker: BrokerClient,
    group: str,
    topic: str,
    queue_id: int,
    expected: int,
    *,
    subscription: str = "*",
    deadline_s: float = 60.0,
) -> list[MessageExt]:
    """Pull one queue from offset 0 until `expected` messages arrived (dispatch to the consume
    queue is asynchronous, so NO_NEW_MSG before that just means "not yet")."""
    messages: list[MessageExt] = []
    offset = 0
    deadline = time.monotonic() + deadline_s
    while len(messages) < expected:
        assert time.monotonic() < deadline, f"{topic}[{queue_id}]: only {len(messages)} of {expected} pulled"
        result = await broker.pull(group, topic, queue_id, offset, 32, subscription=subscription)
        if result.status is PullStatus.FOUND:
            messages.extend(result.messages)
        elif result.status is PullStatus.NO_NEW_MSG:
            await asyncio.sleep(0.05)
        assert result.status is not PullStatus.OFFSET_ILLEGAL
        offset = result.next_begin_offset
    return messages


async def route_when_registered(ns: NamesrvClient, topic: str) -> TopicRoute:
    """The broker registers a created topic at the namesrv right away, but on another thread."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return await ns.topic_route(topic)
        except RemotingError as exc:
            if exc.code != 17 or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_cluster_info_shows_the_broker(rmq: jvms.Jvms) -> None:
    async with NamesrvClient(rmq.namesrv) as ns:
        info = await ns.cluster_info()
    assert info.clusters == {rmq.cluster: [rmq.broker_name]}
    broker = info.brokers[rmq.broker_name]
    assert (broker.cluster, broker.addrs) == (rmq.cluster, {0: rmq.broker})

    dead = f"127.0.0.1:{free_port()}"
    merged, errors = await cluster_info_from_any([rmq.namesrv, dead])
    assert isinstance(merged, ClusterInfo) and merged.broker_addrs() == {rmq.broker}
    assert errors[rmq.namesrv] is None
    assert errors[dead] == f"{dead}: cannot connect: Connection refused"


async def test_create_topic_then_route_and_topic_list(rmq: jvms.Jvms) -> None:
    async with BrokerClient(rmq.broker) as broker, NamesrvClient(rmq.namesrv) as ns:
        with pytest.raises(RemotingError) as info:
            await ns.topic_route("RemotingRouteT")
        assert info.value.code == 17 and "No topic route info" in (info.value.remark or "")
        await broker.create_topic("RemotingRouteT", read_queue_nums=3, write_queue_nums=2)
        route = await route_when_registered(ns, "RemotingRouteT")
        topics = await ns.all_topics()
    assert [(q.broker_name, q.read_queue_nums, q.write_queue_nums, q.perm) for q in route.queues] == [
        (rmq.broker_name, 3, 2, 6)
    ]
    assert [(b.broker_name, b.cluster, b.addrs) for b in route.brokers] == [
        (rmq.broker_name, rmq.cluster, {0: rmq.broker})
    ]
    assert "RemotingRouteT" in topics and "TBW102" in topics


async def test_send_10000_and_pull_them_all_back(rmq: jvms.Jvms) -> None:
    topic, queues, total = "RemotingBulk", 4, 10_000
    async with BrokerClient(rmq.broker, timeout=10) as broker:
        await broker.create_topic(topic, read_queue_nums=queues, write_queue_nums=queues)
        in_flight = asyncio.Semaphore(64)

        async def send(i: int) -> SendResult:
            async with in_flight:
                return await broker.send_v2(topic, f"bulk-{i}".encode(), queue_id=i % queues)

        started = time.perf_counter()
        sent = await asyncio.gather(*(send(i) for i in range(total)))
        elapsed = time.perf_counter() - started
        print(f"\nsent {total} messages in {elapsed:.2f}s = {total / elapsed:.0f} msg/s (64 in flight)")
        assert {r.status for r in sent} == {SendStatus.SEND_OK}
        per_queue = Counter(r.queue_id for r in sent)
        assert per_queue == {q: total // queues for q in range(queues)}

        pulled: list[MessageExt] = []
        for q in range(queues):
            messages = await pull_all(broker, "remoting_bulk_group", topic, q, per_queue[q])
            assert [m.queue_offset for m in messages] == list(range(per_queue[q]))
            pulled.extend(messages)
            assert await broker.get_max_offset(topic, q) == per_queue[q]
            assert await broker.get_min_offset(topic, q) == 0

    bodies = Counter(m.body for m in pulled)
    assert len(pulled) == total and max(bodies.values()) == 1, "duplicates pulled"
    assert set(bodies) == {f"bulk-{i}".encode() for i in range(total)}, "messages missing"
    by_id = {m.msg_id: m for m in pulled}
    assert len(by_id) == total
    for result in sent:
        message = by_id[result.msg_id]
        assert (message.queue_id, message.queue_offset) == (result.queue_id, result.queue_offset)
        assert message.offset_msg_id == result.offset_msg_id
        assert parse_offset_msg_id(result.offset_msg_id)[:2] == ("127.0.0.1", jvms.BROKER_PORT)


async def test_tags_keys_properties_and_compressed_bodies_round_trip(rmq: jvms.Jvms) -> None:
    topic = "RemotingProps"
    big = ("Grüße " * 2000).encode()
    async with BrokerClient(rmq.broker) as broker:
        await broker.create_topic(topic, read_queue_nums=1, write_queue_nums=1)
        first = await broker.send_v2(
            topic,
            b"plain",
            tags="TagA",
            keys=["order-1", "user-7"],
            properties={"color": "blau", "note": "ü=1 & x"},
            flag=3,
        )
        second = await broker.send_v2(topic, big, tags="TagB", keys="single", compress=True)
        third = await broker.send_v2(topic, b"3", tags="TagA")
        with pytest.raises(ValueError, match="empty"):
            await broker.send_v2(topic, b"")
        messages = await pull_all(broker, "remoting_props_group", topic, 0, 3)
        only_b = await pull_all(broker, "remoting_props_group", topic, 0, 1, subscription="TagB")

    a, b, c = messages
    assert (a.msg_id, b.msg_id, c.msg_id) == (first.msg_id, second.msg_id, third.msg_id)
    assert a.body == b"plain" and a.tags == "TagA" and a.keys == ["order-1", "user-7"] and a.flag == 3
    assert a.properties["color"] == "blau" and a.properties["note"] == "ü=1 & x"
    assert a.properties["CLUSTER"] == rmq.cluster  # stamped by the broker
    assert b.body == big and b.compression is None and b.sys_flag & 0x1 and b.keys == ["single"]
    assert c.body == b"3" and c.tags == "TagA"
    assert a.topic == topic and a.store_host == rmq.broker and a.born_host.startswith("127.0.0.1:")
    assert [m.msg_id for m in only_b] == [second.msg_id]


async def test_consumer_offsets(rmq: jvms.Jvms) -> None:
    topic, group = "RemotingOffsets", "remoting_offset_group"
    async with BrokerClient(rmq.broker) as broker:
        await broker.create_topic(topic, read_queue_nums=2, write_queue_nums=2)
        for _ in range(5):
            await broker.send_v2(topic, b"x", queue_id=1)
        await pull_all(broker, group, topic, 1, 5)  # also auto-creates the group
        assert await broker.query_consumer_offset(group, topic, 1) is None
        await broker.update_consumer_offset(group, topic, 1, 4)
        assert await broker.query_consumer_offset(group, topic, 1) == 4
        assert await broker.get_max_offset(topic, 1) == 5
        assert await broker.get_max_offset(topic, 0) == 0


async def test_runtime_info_and_broker_config(rmq: jvms.Jvms) -> None:
    async with BrokerClient(rmq.broker) as broker:
        info = await broker.get_runtime_info()
        config = await broker.get_broker_config()
    assert info.version is not None and info.version.startswith("V5_")
    assert (info.integer("msgPutTotalTodayNow") or 0) >= 0 and info.integer("commitLogMaxOffset") is not None
    assert info["brokerActive"] == "true"
    assert config["brokerName"] == rmq.broker_name and config["brokerClusterName"] == rmq.cluster
    assert config["listenPort"] == str(jvms.BROKER_PORT) and config["brokerIP1"] == "127.0.0.1"
    assert config["fileReservedTime"] == "72" and config["mappedFileSizeCommitLog"] == "134217728"


async def test_update_broker_config(rmq: jvms.Jvms) -> None:
    async with BrokerClient(rmq.broker) as broker:
        await broker.update_broker_config({"fileReservedTime": "49"})
        assert (await broker.get_broker_config())["fileReservedTime"] == "49"
        with pytest.raises(RemotingError) as info:
            await broker.update_broker_config({"brokerConfigPath": "/tmp/elsewhere"})
        assert info.value.code == 16  # NO_PERMISSION: black-listed key
    assert "fileReservedTime=49" in rmq.broker_config.read_text().splitlines()  # persisted over -c


async def test_binary_serialized_requests_are_understood(rmq: jvms.Jvms) -> None:
    async with RemotingClient(rmq.broker, serialize_type=SerializeType.ROCKETMQ) as client:
        response = await client.invoke(RequestCode.GET_MAX_OFFSET, {"topic": "RemotingBulk", "queueId": "0"})
        assert response.ext_fields["offset"].isdigit()
    async with NamesrvClient(
        rmq.namesrv, client=RemotingClient(rmq.namesrv, serialize_type=SerializeType.ROCKETMQ)
    ) as ns:
        assert (await ns.cluster_info()).broker_addrs() == {rmq.broker}
