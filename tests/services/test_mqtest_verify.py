"""Accounting of pulled messages (Tally) and the queue reader shared with `consume` (no JVM)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from rocketui.rocketmq.remoting.errors import ConnectionLost, RemotingError, RemotingTimeout
from rocketui.rocketmq.remoting.message import MessageExt
from rocketui.rocketmq.remoting.results import PullResult, PullStatus
from rocketui.services.mq_route import MqTestError, Queue
from rocketui.services.mqconsume import PullInterrupted, pull_queue
from rocketui.services.mqtest import message_body
from rocketui.services.mqtest_verify import Tally


def msg(offset: int, props: dict[str, str], body: bytes = b"x") -> MessageExt:
    return MessageExt(
        topic="T",
        body=body,
        queue_id=0,
        queue_offset=offset,
        commit_log_offset=offset * 100,
        sys_flag=0,
        flag=0,
        born_timestamp=0,
        born_host="127.0.0.1:1",
        store_timestamp=0,
        store_host="127.0.0.1:10911",
        reconsume_times=0,
        prepared_transaction_offset=0,
        store_size=100,
        body_crc=0,
        properties=props,
    )


def ours(seq: int, run: str = "r", size: int = 16, body: bytes | None = None) -> MessageExt:
    return msg(seq, {"rui_run": run, "rui_seq": str(seq)}, message_body(run, seq, size) if body is None else body)


def test_tally_counts_missing_duplicated_corrupt_foreign_and_unacked() -> None:
    t = Tally("r", count=6, body_size=16)
    for m in [
        ours(0),
        ours(1),
        ours(1),
        ours(1),
        ours(3, body=b"tampered"),
        ours(4),
        ours(0, run="other"),
        msg(9, {}),
        msg(10, {"rui_run": "r", "rui_seq": "x"}),
        msg(11, {"rui_run": "r", "rui_seq": "99"}),
    ]:
        t.add(m)
    acked = {0, 1, 2, 3}  # 4 was stored although its send failed; 5 never made it
    assert (t.received, t.duplicated, t.corrupt, t.foreign, t.pulled) == (4, 2, 3, 2, 10)
    assert t.missing(lambda s: s in acked) == [2]
    assert t.missing(lambda s: True) == [2, 5]
    assert t.unexpected(lambda s: s in acked) == 1


def test_only_a_resend_after_a_broken_connection_explains_a_duplicate() -> None:
    t = Tally("r", count=4, body_size=16)
    for seq in (0, 1, 1, 2, 2, 2, 3, 3):
        t.add(ours(seq))
    # seq 1 was resent once after a broken connection, seq 2 once (but is there 3 times), 3 never
    assert t.duplicated == 4 and t.explained({1: 1, 2: 1, 0: 2}) == 2


def test_tally_saturates_instead_of_overflowing() -> None:
    t = Tally("r", count=1, body_size=16)
    for _ in range(300):
        t.add(ours(0))
    assert t.received == 1 and t.duplicated == 254


@dataclass
class ScriptedBroker:
    """A BrokerClient stand-in whose pulls answer from a list, recording the offsets asked."""

    answers: list[PullResult | Exception]
    asked: list[int] = field(default_factory=list)

    async def pull(
        self,
        group: str,
        topic: str,
        queue_id: int,
        offset: int,
        max_nums: int = 32,
        *,
        subscription: str = "*",
        suspend_ms: int = 0,
    ) -> PullResult:
        self.asked.append(offset)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def found(*offsets: int, next_offset: int) -> PullResult:
    return PullResult(PullStatus.FOUND, next_offset, 0, 100, [msg(o, {}) for o in offsets])


async def test_pull_queue_follows_next_offsets_and_skips_what_the_broker_says() -> None:
    broker = ScriptedBroker(
        [
            found(5, 6, next_offset=7),
            PullResult(PullStatus.NO_MATCHED_MSG, 9, 0, 100),  # 7, 8 filtered out by the subscription
            PullResult(PullStatus.OFFSET_ILLEGAL, 20, 20, 100),  # 9..19 deleted
            found(20, next_offset=21),
            PullResult(PullStatus.NO_NEW_MSG, 21, 0, 21),
        ]
    )
    got: list[int] = []
    notes: list[str] = []
    end = await pull_queue(
        broker,
        "g",
        "T",
        Queue("b", 0),
        5,
        None,  # type: ignore[arg-type]
        lambda m: got.append(m.queue_offset) is None,
        notes=notes,
    )
    assert (got, end, broker.asked) == ([5, 6, 20], 21, [5, 7, 9, 20, 21])
    assert notes == ["b[0]: offset 9 is outside 20..100; continued at 20"]


async def test_pull_queue_stops_at_the_end_or_when_told() -> None:
    broker = ScriptedBroker([found(0, 1, 2, next_offset=3)])
    assert await pull_queue(broker, "g", "T", Queue("b", 0), 0, 3, lambda m: True) == 3  # type: ignore[arg-type]
    broker = ScriptedBroker([found(0, 1, 2, next_offset=3)])
    assert (
        await pull_queue(
            broker,
            "g",
            "T",
            Queue("b", 0),
            0,
            None,  # type: ignore[arg-type]
            lambda m: m.queue_offset < 1,
        )
        == 2
    )


async def test_missing_group_is_explained() -> None:
    broker = ScriptedBroker([RemotingError("b:1", "PULL_MESSAGE answered SUBSCRIPTION_GROUP_NOT_EXIST (26)", code=26)])
    with pytest.raises(
        MqTestError,
        match="consumer group g does not exist on broker b and the broker does not "
        r"auto-create groups \(autoCreateSubscriptionGroup=false\)",
    ):
        await pull_queue(broker, "g", "T", Queue("b", 0), 0, 5, lambda m: True)  # type: ignore[arg-type]


async def test_a_pull_that_times_out_says_where_to_ask_again() -> None:
    """A slow proxy or broker: the messages already handed over stay counted once; the caller
    asks again from the next offset (as a standard consumer does), a refusal still fails."""
    timeout = RemotingTimeout("127.0.0.1:15000", "PULL_MESSAGE got no response within 5s")
    broker = ScriptedBroker([found(0, 1, next_offset=2), timeout])
    got: list[int] = []
    with pytest.raises(PullInterrupted, match=r"pulling b\[0\] failed: 127.0.0.1:15000: PULL_MESSAGE got no") as cut:
        await pull_queue(broker, "g", "T", Queue("b", 0), 0, 5, lambda m: got.append(m.queue_offset) is None)  # type: ignore[arg-type]
    assert cut.value.pos == 2 and got == [0, 1]
    lost = ScriptedBroker([ConnectionLost("b:1", "connection closed by peer")])
    with pytest.raises(PullInterrupted):
        await pull_queue(lost, "g", "T", Queue("b", 0), 3, 5, lambda m: True)  # type: ignore[arg-type]
    refused = ScriptedBroker([RemotingError("b:1", "PULL_MESSAGE answered NO_PERMISSION (16)", code=16)])
    with pytest.raises(MqTestError) as no:
        await pull_queue(refused, "g", "T", Queue("b", 0), 0, 5, lambda m: True)  # type: ignore[arg-type]
    assert not isinstance(no.value, PullInterrupted)
