"""Produce test runner, routes and error messages against a scripted namesrv/broker (no JVM)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from rocketui.rocketmq.remoting.errors import ConnectFailed, RemotingError, RemotingTimeout
from rocketui.rocketmq.remoting.route import BrokerData, QueueData, TopicRoute
from rocketui.services.mq_route import MqTestError, Queue, lookup_route, read_queues, write_queues
from rocketui.services.mqtest import (
    AckLog,
    ErrorKind,
    Phase,
    ProduceProgress,
    ProduceRun,
    ProduceSpec,
    SendMode,
    TopicCreation,
    classify_error,
    message_body,
)
from tests.rocketmq.remoting.fake_peer import free_port
from tests.services.fake_mq import FakeMq, start


@pytest.fixture
async def fake() -> AsyncIterator[FakeMq]:
    mq = FakeMq()
    peer, _ = await start(mq)
    yield mq
    await peer.__aexit__(None, None, None)


def dead() -> str:
    return f"127.0.0.1:{free_port()}"


# ------------------------------------------------------------------ pure parts


def test_spec_problems_name_each_bad_field() -> None:
    spec = ProduceSpec(
        topic="a b",
        count=0,
        body_size=0,
        mode=SendMode.ASYNC,
        in_flight=0,
        rate=-1,
        keys=("ok", "has space"),
        create=TopicCreation(),
    )
    assert spec.problems() == [
        "topic 'a b' must be 1-127 characters without whitespace",
        "count must be at least 1, got 0",
        "body size must be 1..4194304 bytes, got 0",
        "in-flight must be at least 1, got 0",
        "rate must be positive, got -1",
        "keys must be non-empty and without whitespace (KEYS is space-separated)",
        "topic creation needs a cluster or a broker name",
    ]
    assert ProduceSpec().problems() == []
    with pytest.raises(ValueError, match="count must be at least 1"):
        ProduceRun(ProduceSpec(count=0), ["127.0.0.1:9876"])


def test_message_body_carries_run_and_sequence_at_the_exact_size() -> None:
    assert message_body("r1", 7, 12) == b"r1:7:......."
    assert message_body("r1", 7, 3) == b"r1:"
    assert len(message_body("r1", 123456, 4096)) == 4096


@pytest.mark.parametrize(
    "exc, kind, hint",
    [
        (
            RemotingError("b:1", "SEND_MESSAGE_V2 answered SYSTEM_BUSY (2): [TIMEOUT_CLEAN_QUEUE]broker busy", code=2),
            ErrorKind.BUSY,
            "lower --rate or --inflight",
        ),
        (
            RemotingError(
                "b:1", "SEND_MESSAGE_V2 answered SERVICE_NOT_AVAILABLE (14): service not available now", code=14
            ),
            ErrorKind.UNAVAILABLE,
            "disk is full",
        ),
        (
            RemotingError("b:1", "answered TOPIC_NOT_EXIST (17)", code=17),
            ErrorKind.TOPIC_MISSING,
            "autoCreateTopicEnable=false",
        ),
        (
            RemotingTimeout("b:1", "SEND_MESSAGE_V2 got no response within 3s"),
            ErrorKind.TIMEOUT,
            "overloaded or unreachable",
        ),
        (ConnectFailed("b:1", "cannot connect: Connection refused"), ErrorKind.CONNECTION, ""),
        (RemotingError("b:1", "answered code 999 (999)", code=999), ErrorKind.OTHER, ""),
    ],
)
def test_errors_are_classified_with_a_hint(exc: Exception, kind: ErrorKind, hint: str) -> None:
    got_kind, message = classify_error(exc)
    assert got_kind is kind
    assert message.startswith(str(exc)) and hint in message


def route(*queues: QueueData, brokers: dict[str, dict[int, str]]) -> TopicRoute:
    return TopicRoute("T", list(queues), [BrokerData("C", n, a) for n, a in brokers.items()])


def test_write_queues_in_java_order_and_reasons_when_none() -> None:
    r = route(
        QueueData("b", 2, 2, 6),
        QueueData("a", 4, 3, 6),
        QueueData("c", 2, 2, 4),
        brokers={"a": {0: "A:1"}, "b": {0: "B:1", 1: "B:2"}, "c": {0: "C:1"}},
    )
    queues, masters = write_queues(r)
    assert [str(q) for q in queues] == ["a[0]", "a[1]", "a[2]", "b[0]", "b[1]"]
    assert masters == {"a": "A:1", "b": "B:1"}
    readable, addrs = read_queues(r)
    assert [str(q) for q in readable] == ["a[0]", "a[1]", "a[2]", "a[3]", "b[0]", "b[1]", "c[0]", "c[1]"]
    assert addrs == {"a": "A:1", "b": "B:1", "c": "C:1"}
    none = route(QueueData("a", 4, 4, 4), QueueData("b", 4, 4, 6), brokers={"b": {1: "B:2"}})
    with pytest.raises(
        MqTestError,
        match=r"topic T has no writable queue: a is not writable \(perm 4\); "
        r"b has no master registered",
    ):
        write_queues(none)
    assert read_queues(none)[1] == {"b": "B:2"}  # a slave can still be read


def test_ack_log_ends_and_lookup() -> None:
    a0, a1 = Queue("a", 0), Queue("a", 1)
    log = AckLog(5, [a0, a1])
    log.record(0, a0, 10)
    log.record(1, a1, 3)
    log.record(2, a0, 11)
    log.record(4, Queue("b", 0), 0)  # a queue not in the initial list
    assert log.count == 4 and not log.acked(3) and log.get(2) == (a0, 11) and log.get(3) is None
    assert log.ends() == {a0: 12, a1: 4, Queue("b", 0): 1}


# ------------------------------------------------------------------ namesrv fallback


async def test_lookup_falls_back_to_the_next_namesrv(fake: FakeMq) -> None:
    down = dead()
    lookup = await lookup_route([down, fake.addr], "T")
    assert lookup.route is not None and lookup.answered_by == fake.addr
    assert lookup.notes == (f"{down}: cannot connect: Connection refused",)
    missing = await lookup_route([fake.addr], "Nope")
    assert missing.route is None and missing.notes == (f"{fake.addr}: no route for topic Nope",)
    with pytest.raises(MqTestError, match=r"no namesrv answered \(.*Connection refused; .*Connection refused\)"):
        await lookup_route([dead(), dead()], "T")


# ------------------------------------------------------------------ the runner


async def test_sends_round_robin_with_run_id_and_sequence(fake: FakeMq) -> None:
    fake.offsets[("T", 1)] = 40  # older messages in queue 1
    seen: list[ProduceProgress] = []
    spec = ProduceSpec(topic="T", count=9, body_size=20, tag="TagA", keys=("k1", "k2"))
    report = await ProduceRun(spec, [fake.addr], on_progress=seen.append, run_id="run1").run()
    p = report.progress
    assert (p.attempted, p.sent, p.failed, p.finished) == (9, 9, 0, True)
    assert report.start_offsets == {Queue("broker-f", 0): 0, Queue("broker-f", 1): 40}
    assert p.per_queue == {"broker-f[0]": 5, "broker-f[1]": 4} and p.per_broker == {"broker-f": 9}
    assert p.statuses == {"SEND_OK": 9} and p.latency is not None and p.latency.count == 9
    assert [m["e"] for m in fake.sent] == ["0", "1"] * 4 + ["0"]
    first = fake.sent[0]
    assert (first["rui_run"], first["rui_seq"], first["TAGS"], first["KEYS"], first["a"]) == (
        "run1",
        "0",
        "TagA",
        "k1 k2",
        "rocketui_mqtest",
    )
    assert report.acks.get(8) == (Queue("broker-f", 0), 4) and report.acks.get(1) == (Queue("broker-f", 1), 40)
    assert seen[0].phase is Phase.ROUTE and seen[-1].finished and seen[-1].sent == 9


async def test_async_mode_keeps_n_in_flight(fake: FakeMq) -> None:
    gate = asyncio.Event()
    peak = 0

    def on_progress(p: ProduceProgress) -> None:
        nonlocal peak
        peak = max(peak, p.in_flight)

    fake.stall = lambda seq: not gate.is_set() and seq < 8  # the first 8 hang until the timeout
    spec = ProduceSpec(topic="T", count=20, mode=SendMode.ASYNC, in_flight=8, send_timeout=0.5)
    report = await ProduceRun(spec, [fake.addr], on_progress=on_progress, progress_interval=0.05).run()
    assert peak == 8
    assert report.progress.errors == {"timeout": 8} and report.progress.sent == 12
    assert report.aborted is None


async def test_busy_and_disk_full_are_counted_by_kind(fake: FakeMq) -> None:
    fake.send_script = lambda seq: {
        1: (2, "[TIMEOUT_CLEAN_QUEUE]broker busy"),
        3: (14, "service not available now, maybe disk full"),
    }.get(seq)
    report = await ProduceRun(ProduceSpec(topic="T", count=6), [fake.addr]).run()
    p = report.progress
    assert p.sent == 4 and p.errors == {"broker busy": 1, "service not available": 1}
    # both codes are in the Java client's retry codes: each message was tried 3 times in all
    assert p.retried == {"broker busy": 2, "service not available": 2} and len(fake.attempts) == 4 + 2 * 3
    assert "disk full" in (p.last_error or "") and "diskSpaceWarningLevelRatio" in (p.last_error or "")
    assert not report.acks.acked(1) and report.acks.acked(2)


async def test_a_busy_answer_is_sent_again_like_the_java_client_in_sync_mode(fake: FakeMq) -> None:
    busy = {2: 1, 5: 2}  # seq → busy answers before it is stored

    def script(seq: int) -> tuple[int, str] | None:
        if busy.get(seq, 0) > 0:
            busy[seq] -= 1
            # BrokerFastFailure's answer to a send that waited > 200 ms in the queue (5.5.0 wording)
            return (
                2,
                "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: 205ms, size of queue: 17",
            )
        return None

    fake.send_script = script
    report = await ProduceRun(ProduceSpec(topic="T", count=8), [fake.addr]).run()
    p = report.progress
    assert (p.sent, p.failed, p.errors, p.retried) == (8, 0, {}, {"broker busy": 3})
    assert p.attempted == 8 and p.statuses == {"SEND_OK": 8} and report.acks.count == 8
    tries = [a for a in fake.attempts if a["rui_seq"] == "5"]
    # one message id for every attempt (a retry is the same message), the next queue each time
    assert len({a["UNIQ_KEY"] for a in tries}) == 1 and [a["e"] for a in tries] == ["1", "0", "1"]
    # where each one was stored is recorded: seq 2 (queue 0 by turn) went to queue 1 on its retry
    assert report.acks.get(2) == (Queue("broker-f", 1), 1) and report.acks.get(5) == (Queue("broker-f", 1), 3)


async def test_async_mode_does_not_resend_a_broker_answer_and_retries_0_never_resends(fake: FakeMq) -> None:
    fake.send_script = lambda seq: (2, "[TIMEOUT_CLEAN_QUEUE]broker busy") if seq == 1 else None
    spec = ProduceSpec(topic="T", count=4, mode=SendMode.ASYNC, in_flight=2)
    p = (await ProduceRun(spec, [fake.addr]).run()).progress
    assert (p.sent, p.errors, p.retried) == (3, {"broker busy": 1}, {})  # Java: the callback gets it
    fake.attempts.clear()
    p = (await ProduceRun(ProduceSpec(topic="T", count=4, retries=0), [fake.addr]).run()).progress
    assert (p.sent, p.errors, p.retried, len(fake.attempts)) == (3, {"broker busy": 1}, {}, 4)


async def test_a_send_whose_connection_broke_is_sent_again_and_marked_as_maybe_stored(fake: FakeMq) -> None:
    cuts = {3: 1}  # the broker stores seq 3, then its connection breaks before the answer

    def cut(seq: int) -> bool:
        if cuts.get(seq, 0) > 0:
            cuts[seq] -= 1
            return True
        return False

    fake.cut = cut
    for mode in (SendMode.SYNC, SendMode.ASYNC):  # a broken connection is retried in both, as in Java
        fake.sent.clear()
        cuts[3] = 1
        report = await ProduceRun(ProduceSpec(topic="T", count=6, mode=mode), [fake.addr]).run()
        p = report.progress
        # async: every send in flight on the broken connection failed with it and went again
        assert (p.sent, p.failed, list(p.retried)) == (6, 0, ["connection"]), mode
        assert report.unsure[3] == 1 and sum(report.unsure.values()) == p.retried["connection"]
        if mode is SendMode.SYNC:
            assert report.unsure == {3: 1}
        # stored twice under one message id: the verify step counts the extra copy as explained
        copies = [m for m in fake.sent if m["rui_seq"] == "3"]
        assert len(copies) == 2 and len({m["UNIQ_KEY"] for m in copies}) == 1


async def test_gives_up_after_consecutive_failures(fake: FakeMq) -> None:
    fake.send_script = lambda seq: (2, "broker busy") if seq >= 2 else None
    spec = ProduceSpec(topic="T", count=1000, max_consecutive_errors=5)
    report = await ProduceRun(spec, [fake.addr]).run()
    assert report.progress.sent == 2 and report.progress.attempted == 7
    assert report.aborted is not None and report.aborted.startswith("5 sends in a row failed; last: ")


async def test_missing_topic_without_auto_create_says_so(fake: FakeMq) -> None:
    with pytest.raises(
        MqTestError,
        match=r"topic Nope does not exist \(namesrv .*\) and no broker auto-creates "
        r"topics \(no TBW102 route",
    ):
        await ProduceRun(ProduceSpec(topic="Nope", count=3), [fake.addr]).run()
    fake.topics["TBW102"] = 8
    fake.perms["TBW102"] = 6  # what the broker registers once auto-create was switched off at run time
    with pytest.raises(MqTestError, match=r"no broker auto-creates topics \(TBW102 has no inherit permission"):
        await ProduceRun(ProduceSpec(topic="Nope", count=3), [fake.addr]).run()
    fake.perms["TBW102"] = 7  # inheritable at the namesrv, but the broker answers TOPIC_NOT_EXIST
    with pytest.raises(
        MqTestError,
        match=r"topic Nope does not exist and broker broker-f refused to auto-create "
        r"it \(autoCreateTopicEnable=false, or it was switched off at run time",
    ):
        await ProduceRun(ProduceSpec(topic="Nope", count=3), [fake.addr]).run()


async def test_creates_the_topic_on_the_cluster_or_says_what_exists(fake: FakeMq) -> None:
    with pytest.raises(MqTestError, match="no cluster named Other is registered \\(known: FakeCluster\\)"):
        await ProduceRun(ProduceSpec(topic="New", create=TopicCreation(cluster="Other")), [fake.addr]).run()
    with pytest.raises(MqTestError, match="no broker named broker-z is registered \\(known: broker-f\\)"):
        await ProduceRun(ProduceSpec(topic="New", create=TopicCreation(broker="broker-z")), [fake.addr]).run()
    spec = ProduceSpec(topic="New", count=6, create=TopicCreation(cluster="FakeCluster", queues=3))
    phases: list[Phase] = []
    report = await ProduceRun(spec, [dead(), fake.addr], on_progress=lambda p: phases.append(p.phase)).run()
    assert list(dict.fromkeys(phases)) == [Phase.ROUTE, Phase.CREATE, Phase.OFFSETS, Phase.SEND, Phase.DONE]
    assert fake.created == ["New"] and report.progress.per_queue == {f"broker-f[{i}]": 2 for i in range(3)}
    assert "created topic New with 3 queues on broker-f" in report.notes
    skipped = [n for n in report.notes if n.startswith("namesrv skipped: ")]
    assert len(skipped) == 1 and "Connection refused" in skipped[0]  # asked 3 times, noted once


async def test_no_namesrv_up_is_a_clear_error() -> None:
    with pytest.raises(MqTestError, match="no namesrv answered"):
        await ProduceRun(ProduceSpec(topic="T"), [dead()]).run()


async def test_oneway_counts_written_frames_without_latency(fake: FakeMq) -> None:
    report = await ProduceRun(ProduceSpec(topic="T", count=10, mode=SendMode.ONEWAY), [fake.addr]).run()
    assert report.progress.sent == 10 and report.progress.latency is None
    assert report.progress.statuses == {"WRITTEN": 10}
    for _ in range(100):
        if len(fake.sent) == 10:
            break
        await asyncio.sleep(0.01)
    assert Counter(m["e"] for m in fake.sent) == {"0": 5, "1": 5}


async def test_stop_finishes_in_flight_and_reports_stopped(fake: FakeMq) -> None:
    run: ProduceRun

    def on_progress(p: ProduceProgress) -> None:
        if p.sent >= 5:
            run.stop()

    run = ProduceRun(
        ProduceSpec(topic="T", count=10_000, rate=200.0), [fake.addr], on_progress=on_progress, progress_interval=0.01
    )
    report = await run.run()
    assert report.stopped and report.aborted is None
    assert 5 <= report.progress.sent < 10_000 and report.progress.in_flight == 0
    assert report.progress.attempted == report.progress.sent


async def test_cancel_leaves_no_task_or_connection(fake: FakeMq) -> None:
    fake.stall = lambda seq: True
    run = ProduceRun(ProduceSpec(topic="T", count=100, mode=SendMode.ASYNC, in_flight=16, send_timeout=30), [fake.addr])
    task = asyncio.create_task(run.run())
    for _ in range(200):
        if run.progress().in_flight == 16:
            break
        await asyncio.sleep(0.01)
    assert run.progress().in_flight == 16
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert run._clients == {} and run.progress().in_flight == 0


async def test_cancel_of_a_sync_run_leaves_no_thread_task_or_socket(fake: FakeMq) -> None:
    """Sync mode sends from a thread of its own on a blocking socket: cancelling the run wakes the
    send waiting for its answer and ends that thread."""
    fake.stall = lambda seq: seq == 3
    run = ProduceRun(ProduceSpec(topic="T", count=100, send_timeout=30), [fake.addr])
    task = asyncio.create_task(run.run())
    for _ in range(300):
        if run.progress().attempted == 4:
            break
        await asyncio.sleep(0.01)
    assert run.progress().attempted == 4 and run.progress().in_flight == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert not [t for t in threading.enumerate() if t.name.startswith(f"produce-{run.run_id}")]
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert run.progress().in_flight == 0 and run.progress().failed == 0  # cancelled, not failed


async def test_stop_cuts_a_sync_runs_rate_wait_short(fake: FakeMq) -> None:
    run: ProduceRun

    def on_progress(p: ProduceProgress) -> None:
        if p.sent >= 1:
            run.stop()

    run = ProduceRun(
        ProduceSpec(topic="T", count=10, rate=0.1), [fake.addr], on_progress=on_progress, progress_interval=0.01
    )
    report = await asyncio.wait_for(run.run(), 5)  # the next message was due 10 s later
    assert report.stopped and report.progress.sent == 1 and report.progress.attempted == 1
