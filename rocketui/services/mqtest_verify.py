"""End-to-end check of a produce run: pull every readable queue of the topic back from the max
offsets recorded before the run, and account for each of the run's sequence numbers.

sent      acknowledged sends (written ones for oneway)
stored    messages appended to the topic's queues since the run started (anyone's)
received  distinct messages of this run pulled back
missing   acknowledged (oneway: written) but not pulled back
duplicated  extra copies of a message of this run
resent_copies  those of them that a resend explains: an attempt whose connection broke after
          the request went out may have been stored, and the message was sent again (RocketMQ
          delivers at least once; the Java client duplicates the same way)
corrupt   a message of this run whose body is not the one sent
unacked_received  failed or timed-out sends that were stored after all
foreign   messages of other producers in the same queues during the run
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.client import Connector, RemotingClient
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.message import MessageExt
from rocketui.services.mq_route import MqTestError, ProxyTarget, Queue, read_queues, route_via
from rocketui.services.mqconsume import PullInterrupted, pull_queue
from rocketui.services.mqtest import PROP_RUN, PROP_SEQ, AckLog, ProduceReport, SendMode, message_body

DEFAULT_GROUP = "rocketui_verify"
FIRST_MISSING = 10


class Tally:
    """Counts each sequence number of one run as its messages are pulled (pure)."""

    def __init__(self, run_id: str, count: int, body_size: int) -> None:
        self.run_id = run_id
        self.count = count
        self.body_size = body_size
        self.seen = bytearray(count)  # copies pulled, saturating at 255
        self.corrupt = 0
        self.foreign = 0
        self.pulled = 0

    def add(self, message: MessageExt) -> None:
        self.pulled += 1
        props = message.properties
        if props.get(PROP_RUN) != self.run_id:
            self.foreign += 1
            return
        try:
            seq = int(props.get(PROP_SEQ, ""))
        except ValueError:
            self.corrupt += 1
            return
        if not 0 <= seq < self.count:
            self.corrupt += 1
            return
        if self.seen[seq] < 255:
            self.seen[seq] += 1
        if message.body != message_body(self.run_id, seq, self.body_size):
            self.corrupt += 1

    @property
    def received(self) -> int:
        return sum(1 for n in self.seen if n)

    @property
    def duplicated(self) -> int:
        return sum(n - 1 for n in self.seen if n > 1)

    def explained(self, unsure: Mapping[int, int]) -> int:
        """Extra copies of messages that `unsure` (seq → attempts that may have been stored
        before a resend) accounts for."""
        return sum(
            min(self.seen[seq] - 1, n) for seq, n in unsure.items() if 0 <= seq < self.count and self.seen[seq] > 1
        )

    def missing(self, expected: Callable[[int], bool]) -> list[int]:
        """Sequence numbers that `expected` says were stored but were not pulled."""
        return [seq for seq, n in enumerate(self.seen) if not n and expected(seq)]

    def unexpected(self, expected: Callable[[int], bool]) -> int:
        return sum(1 for seq, n in enumerate(self.seen) if n and not expected(seq))


@dataclass(frozen=True)
class VerifyReport:
    run_id: str
    topic: str
    group: str
    sent: int
    stored: int
    received: int
    missing: int
    duplicated: int
    corrupt: int
    unacked_received: int
    foreign: int
    first_missing: tuple[str, ...]  # "<run>:<seq> at broker[q]@offset"
    per_queue: dict[str, dict[str, int]]  # "broker[q]" → start, end, pulled
    elapsed: float
    complete: bool  # every queue was read up to its end before the deadline
    notes: tuple[str, ...] = ()
    resent_copies: int = 0  # duplicated copies explained by a resend after a broken connection

    @property
    def unexplained_duplicates(self) -> int:
        return self.duplicated - self.resent_copies

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.unexplained_duplicates == 0 and self.corrupt == 0 and self.complete

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "topic": self.topic,
            "group": self.group,
            "sent": self.sent,
            "stored": self.stored,
            "received": self.received,
            "missing": self.missing,
            "duplicated": self.duplicated,
            "resent_copies": self.resent_copies,
            "corrupt": self.corrupt,
            "unacked_received": self.unacked_received,
            "foreign": self.foreign,
            "first_missing": list(self.first_missing),
            "per_queue": self.per_queue,
            "elapsed_s": round(self.elapsed, 3),
            "complete": self.complete,
            "ok": self.ok,
            "notes": list(self.notes),
        }


VerifyProgress = Callable[[int, int], object]  # (received so far, expected)


def _expected(report: ProduceReport) -> Callable[[int], bool]:
    acks: AckLog = report.acks
    if report.spec.mode is SendMode.ONEWAY:
        attempted = report.progress.attempted
        return lambda seq: seq < attempted
    return acks.acked


async def verify_run(
    report: ProduceReport,
    namesrvs: Sequence[str],
    *,
    group: str = DEFAULT_GROUP,
    connector: Connector | None = None,
    timeout: float = 30.0,
    on_progress: VerifyProgress | None = None,
    request_timeout: float = 5.0,
    proxy: ProxyTarget | None = None,
) -> VerifyReport:
    """Pull the run's messages back (through `proxy` when given). Waits up to `timeout` for late
    ones (the broker dispatches to its consume queues asynchronously, and oneway sends have no
    acknowledgement)."""
    began = time.monotonic()
    topic = report.spec.topic
    lookup = await route_via(namesrvs, topic, proxy, connector=connector, timeout=request_timeout)
    if lookup.route is None:
        raise MqTestError(f"topic {topic} has no route any more at {', '.join(namesrvs)}")
    queues, addrs = read_queues(lookup.route)
    notes = [f"namesrv skipped: {n}" for n in lookup.notes if "no route" not in n]
    positions = {q: report.start_offsets.get(q, 0) for q in queues}
    for q in report.start_offsets:
        if q not in positions:
            notes.append(f"{q} is no longer readable; its messages cannot be verified")
    ack_ends = report.acks.ends()
    tally = Tally(report.run_id, report.spec.count, report.spec.body_size)
    expected = _expected(report)
    remotings = {a: RemotingClient(a, connector=connector, timeout=request_timeout) for a in set(addrs.values())}
    clients = {
        name: BrokerClient(addr, client=remotings[addr], broker_name=name if proxy and proxy.addr else None)
        for name, addr in addrs.items()
    }
    ends: dict[Queue, int] = {}
    pulled: dict[Queue, int] = {q: 0 for q in queues}
    missing: list[int] = []
    complete = False
    interrupted: dict[Queue, int] = {}  # pulls that timed out or lost their connection, by queue
    last_interruption: dict[Queue, str] = {}
    try:
        while True:
            ends = await _max_offsets(clients, topic, queues, ack_ends)

            async def read(q: Queue, ends: dict[Queue, int] = ends) -> None:
                def take(m: MessageExt) -> bool:
                    tally.add(m)
                    pulled[q] += 1
                    return True

                try:
                    positions[q] = await pull_queue(
                        clients[q.broker_name],
                        group,
                        topic,
                        q,
                        positions[q],
                        ends[q],
                        take,
                        notes=notes,
                    )
                except PullInterrupted as exc:  # asked again next round, as a standard consumer does
                    positions[q] = exc.pos
                    interrupted[q] = interrupted.get(q, 0) + 1
                    last_interruption[q] = str(exc)

            await asyncio.gather(*(read(q) for q in queues if positions[q] < ends[q]))
            missing = tally.missing(expected)
            if on_progress is not None:
                on_progress(tally.received, report.expected)
            complete = all(positions[q] >= ends[q] for q in queues)
            if (complete and not missing) or time.monotonic() - began > timeout:
                break
            await asyncio.sleep(0.2)
    finally:
        await asyncio.gather(*(c.close() for c in remotings.values()), return_exceptions=True)

    for q, times in sorted(interrupted.items()):
        notes.append(f"{last_interruption[q]}; asked again ({times} time{'s' if times > 1 else ''} in all)")

    def where(seq: int) -> str:
        ack = report.acks.get(seq)
        if ack is None:
            return f"{report.run_id}:{seq}"
        return f"{report.run_id}:{seq} at {ack[0]}" + (f"@{ack[1]}" if ack[1] >= 0 else "")

    return VerifyReport(
        run_id=report.run_id,
        topic=topic,
        group=group,
        sent=report.expected,
        stored=sum(max(0, ends.get(q, 0) - report.start_offsets.get(q, 0)) for q in queues),
        received=tally.received,
        missing=len(missing),
        duplicated=tally.duplicated,
        resent_copies=tally.explained(report.unsure),
        corrupt=tally.corrupt,
        unacked_received=tally.unexpected(expected),
        foreign=tally.foreign,
        first_missing=tuple(where(s) for s in missing[:FIRST_MISSING]),
        per_queue={
            str(q): {"start": report.start_offsets.get(q, 0), "end": ends.get(q, 0), "pulled": pulled[q]}
            for q in queues
        },
        elapsed=time.monotonic() - began,
        complete=complete,
        notes=tuple(notes),
    )


async def _max_offsets(
    clients: dict[str, BrokerClient], topic: str, queues: list[Queue], ack_ends: dict[Queue, int]
) -> dict[Queue, int]:
    """Each queue's current max offset, at least one past its highest acknowledged offset
    (`clients` by broker name)."""

    async def one(q: Queue) -> tuple[Queue, int]:
        try:
            offset = await clients[q.broker_name].get_max_offset(topic, q.queue_id)
        except RemotingError as exc:
            raise MqTestError(f"cannot read the max offset of {q}: {exc}") from None
        return q, max(offset, ack_ends.get(q, 0))

    return dict(await asyncio.gather(*(one(q) for q in queues)))
