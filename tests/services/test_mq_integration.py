"""Produce/verify, consume, health and the quickstart clients against a real 5.5.0 namesrv +
broker (ports from tests.support.ports, small heaps; stopped at the end of the session even on failure)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from rocketui.backends.factory import BackendPool
from rocketui.model.loader import load_cluster
from rocketui.rocketmq.remoting import BrokerClient
from rocketui.services.health import collect_health
from rocketui.services.mq_route import MqTestError
from rocketui.services.mqconsume import ConsumedMessage, consume
from rocketui.services.mqtest import ProduceRun, ProduceSpec, SendMode, TopicCreation, message_body
from rocketui.services.mqtest_verify import verify_run
from rocketui.services.quickstart import PRODUCER_MESSAGES, Which, run_quickstart
from tests.rocketmq.remoting.fake_peer import free_port
from tests.services import mq_jvms
from tests.support.rocketmq import java_processes_under

pytestmark = pytest.mark.rocketmq


@pytest.fixture(scope="module")
def mq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[mq_jvms.MqJvms]:
    yield from mq_jvms.running(tmp_path_factory)


async def test_10000_messages_come_back_exactly_once(mq: mq_jvms.MqJvms) -> None:
    dead = f"127.0.0.1:{free_port()}"
    spec = ProduceSpec(
        topic="MqBulk",
        count=10_000,
        body_size=256,
        mode=SendMode.ASYNC,
        in_flight=64,
        create=TopicCreation(cluster=mq.cluster, queues=4),
        send_timeout=10,
    )
    report = await ProduceRun(spec, [dead, mq.namesrv]).run()
    p = report.progress
    assert (p.sent, p.failed, report.aborted) == (10_000, 0, None)
    assert p.per_queue == {f"{mq.broker_name}[{q}]": 2500 for q in range(4)}
    assert report.namesrv == mq.namesrv
    assert f"namesrv skipped: {dead}: cannot connect: Connection refused" in report.notes
    check = await verify_run(report, [dead, mq.namesrv])
    assert (check.sent, check.stored, check.received, check.missing, check.duplicated, check.corrupt) == (
        10_000,
        10_000,
        10_000,
        0,
        0,
        0,
    )
    assert check.ok and check.first_missing == () and check.foreign == 0
    # a second run on the same topic starts from the offsets recorded before it
    again = await ProduceRun(ProduceSpec(topic="MqBulk", count=100), [mq.namesrv]).run()
    assert set(again.start_offsets.values()) == {2500}
    check = await verify_run(again, [mq.namesrv])
    assert (check.stored, check.received, check.missing) == (100, 100, 0)


async def test_tags_keys_and_properties_round_trip(mq: mq_jvms.MqJvms) -> None:
    spec = ProduceSpec(
        topic="MqProps",
        count=40,
        body_size=100,
        tag="TagA",
        keys=("order-1", "user-7"),
        create=TopicCreation(broker=mq.broker_name, queues=2),
    )
    report = await ProduceRun(spec, [mq.namesrv], run_id="props-run").run()
    got: list[ConsumedMessage] = []
    result = await consume([mq.namesrv], "MqProps", "mq_props_group", from_start=True, count=40, on_message=got.append)
    assert (result.received, result.stopped_by, result.committed) == (40, "count", True)
    seqs = sorted(int(c.message.properties["rui_seq"]) for c in got)
    assert seqs == list(range(40))
    for c in got:
        m = c.message
        seq = int(m.properties["rui_seq"])
        assert (m.tags, m.keys, m.properties["rui_run"]) == ("TagA", ["order-1", "user-7"], "props-run")
        assert m.body == message_body("props-run", seq, 100) and m.properties["CLUSTER"] == mq.cluster
        assert report.acks.get(seq) == (c.queue, m.queue_offset)
    # offsets were committed: the group has nothing new; another tag matches nothing
    again = await consume([mq.namesrv], "MqProps", "mq_props_group", idle_timeout=1.0)
    assert again.received == 0 and again.start_offsets == {f"{mq.broker_name}[0]": 20, f"{mq.broker_name}[1]": 20}
    other = await consume(
        [mq.namesrv], "MqProps", "mq_other_group", from_start=True, subscription="TagB", idle_timeout=1.0
    )
    assert other.received == 0 and other.stopped_by == "idle"


async def test_sync_and_oneway_runs_verify(mq: mq_jvms.MqJvms) -> None:
    create = TopicCreation(cluster=mq.cluster, queues=3)
    for mode, count in ((SendMode.SYNC, 600), (SendMode.ONEWAY, 3000)):
        report = await ProduceRun(
            ProduceSpec(topic="MqModes", count=count, mode=mode, create=create), [mq.namesrv]
        ).run()
        assert report.progress.sent == count
        check = await verify_run(report, [mq.namesrv])
        assert (mode, check.received, check.missing, check.duplicated) == (mode, count, 0, 0)


async def test_auto_create_and_auto_create_switched_off(mq: mq_jvms.MqJvms) -> None:
    report = await ProduceRun(ProduceSpec(topic="MqAuto", count=50), [mq.namesrv]).run()
    assert report.progress.sent == 50 and f"topic MqAuto auto-created by broker {mq.broker_name}" in report.notes
    assert (await verify_run(report, [mq.namesrv])).missing == 0
    async with BrokerClient(mq.broker) as broker:
        await broker.update_broker_config({"autoCreateTopicEnable": "false"})
        try:
            with pytest.raises(
                MqTestError,
                match=f"topic MqNoAuto does not exist and broker {mq.broker_name} "
                r"refused to auto-create it \(autoCreateTopicEnable=false",
            ):
                await ProduceRun(ProduceSpec(topic="MqNoAuto", count=5), [mq.namesrv]).run()
        finally:
            # The refused send also stripped TBW102's inherit permission (broker behaviour): until
            # the broker restarts it auto-creates nothing, even with the flag back on. Tests that
            # run after this one create their topics.
            await broker.update_broker_config({"autoCreateTopicEnable": "true"})


def cluster_list(mq: mq_jvms.MqJvms) -> list[dict[str, str]]:
    """`bin/mqadmin clusterList -n NAMESRV` rows: the first five columns and the last four (the
    Timer(Progress) column in between contains spaces)."""
    env = {**os.environ, "JAVA_OPT": f"-Duser.home={mq.root}"}
    out = subprocess.run(
        ["sh", f"{mq.home}/bin/mqadmin", "clusterList", "-n", mq.namesrv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [l for l in out.stdout.splitlines() if l.strip()]
    header = next(i for i, l in enumerate(lines) if l.startswith("#Cluster Name"))
    names = re.split(r"\s{2,}", lines[header].strip())
    assert names[:5] + names[-4:] == [
        "#Cluster Name",
        "#Broker Name",
        "#BID",
        "#Addr",
        "#Version",
        "#PCWait(ms)",
        "#Hour",
        "#SPACE",
        "#ACTIVATED",
    ], names
    rows = []
    for line in lines[header + 1 :]:
        cells = line.split()
        rows.append(dict(zip(names[:5] + names[-4:], cells[:5] + cells[-4:], strict=False)))
    return rows


async def test_health_matches_mqadmin_cluster_list(mq: mq_jvms.MqJvms) -> None:
    cluster = load_cluster(str(mq.cluster_file))
    report = await collect_health(cluster)
    rows = cluster_list(mq)
    assert report.ok, report.all_problems()
    assert [
        (b.cluster, b.broker_name, str(b.broker_id), b.addr, b.runtime.version if b.runtime else None)
        for b in report.brokers
    ] == [(r["#Cluster Name"], r["#Broker Name"], r["#BID"], r["#Addr"], r["#Version"]) for r in rows]
    (row,) = rows
    (mine,) = report.brokers
    assert mine.node == mq.broker_name and mine.registered_at == (mq.namesrv,)
    assert mine.runtime is not None and mine.runtime.disk_ratio == pytest.approx(float(row["#SPACE"]), abs=0.01)
    assert str(mine.runtime.active).lower() == row["#ACTIVATED"]
    assert mine.runtime.role == "ASYNC_MASTER"


async def test_quickstart_producer_then_consumer(mq: mq_jvms.MqJvms, tmp_path: Path) -> None:
    cluster = load_cluster(str(mq.cluster_file))
    pool = BackendPool(cluster)
    lines: list[str] = []
    java_opt = f"-Duser.home={tmp_path}"
    async with BrokerClient(mq.broker) as broker:  # not auto-created: see test_auto_create_and_auto_create_switched_off
        await broker.create_topic("TopicTest", read_queue_nums=4, write_queue_nums=4)
    produced = await run_quickstart(cluster, pool, Which.PRODUCER, on_line=lines.append, java_opt=java_opt)
    assert (produced.exit_status, produced.send_ok, produced.send_failed) == (0, PRODUCER_MESSAGES, 0)
    assert produced.ok and sum("sendStatus=SEND_OK" in l for l in lines) == PRODUCER_MESSAGES
    assert f"NAMESRV_ADDR={mq.namesrv}" in produced.command
    queues = Counter(re.search(r"queueId=(\d+)", l).group(1) for l in lines if "SEND_OK" in l)  # type: ignore[union-attr]
    assert sum(queues.values()) == PRODUCER_MESSAGES and len(queues) == 4

    consumed = await run_quickstart(
        cluster, pool, Which.CONSUMER, stop_after=PRODUCER_MESSAGES, timeout=120, java_opt=java_opt
    )
    assert consumed.stopped == "count" and consumed.received >= PRODUCER_MESSAGES and consumed.ok
    for _ in range(50):  # the consumer JVM is gone once stopped
        if not java_processes_under(str(tmp_path)):
            break
        await asyncio.sleep(0.1)
    assert java_processes_under(str(tmp_path)) == []
    async with BrokerClient(mq.broker) as broker:
        assert sum([await broker.get_max_offset("TopicTest", q) for q in range(4)]) == PRODUCER_MESSAGES
