"""Reset a consumer group's offsets to a time, the earliest or the latest message: a preview of
old → new per queue, the reset itself (INVOKE_BROKER_TO_RESET_OFFSET on each master: the broker
writes the offsets and online consumers pick them up at their next pull), and a read-back of
the group's offsets that must equal what the brokers set."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from rocketui.rocketmq.remoting.admin_bodies import RETRY_PREFIX, MessageQueue
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.namesrv import NamesrvClient
from rocketui.rocketmq.remoting.route import TopicRoute
from rocketui.services.admin_clients import AdminClients, AdminError, BrokerGroup

EARLIEST = "earliest"
LATEST = "latest"
READ_BACK_TIMEOUT = 10.0


@dataclass(frozen=True)
class ResetTarget:
    """`earliest`, `latest`, or a time in epoch milliseconds."""

    kind: str
    timestamp_ms: int = 0

    @property
    def broker_timestamp(self) -> int:
        """What INVOKE_BROKER_TO_RESET_OFFSET and mqadmin's -s take: 0 = the first message, -1 = the max."""
        return 0 if self.kind == EARLIEST else -1 if self.kind == LATEST else self.timestamp_ms

    def __str__(self) -> str:
        if self.kind in (EARLIEST, LATEST):
            return self.kind
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.timestamp_ms / 1000)) + f" ({self.timestamp_ms})"


def parse_target(text: str, now: float | None = None) -> ResetTarget:
    """earliest | latest | epoch ms | 'YYYY-MM-DD HH:MM[:SS]' or ISO (local time) | -30m, -2h, -1d."""
    value = text.strip()
    if value.lower() in (EARLIEST, LATEST):
        return ResetTarget(value.lower())
    if value.isdigit():
        return ResetTarget("time", int(value))
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if value.startswith("-") and value[-1:] in units and value[1:-1].isdigit():
        base = time.time() if now is None else now
        return ResetTarget("time", int((base - int(value[1:-1]) * units[value[-1]]) * 1000))
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return ResetTarget("time", int(time.mktime(time.strptime(value, fmt)) * 1000))
        except ValueError:
            continue
    raise ValueError(f"cannot read {text!r} as a time: use earliest, latest, epoch ms, 'YYYY-MM-DD HH:MM:SS' or -30m")


@dataclass(frozen=True)
class ResetRow:
    queue: MessageQueue
    old: int | None  # None: the group had no offset there
    new: int


@dataclass
class ResetPlan:
    group: str
    target: ResetTarget
    topics: list[str]
    rows: list[ResetRow] = field(default_factory=list)
    masters: dict[str, str] = field(default_factory=dict)  # broker name -> master address

    def to_json(self) -> dict[str, object]:
        return {
            "group": self.group,
            "to": str(self.target),
            "topics": self.topics,
            "queues": [
                {
                    "topic": r.queue.topic,
                    "broker": r.queue.broker_name,
                    "queue": r.queue.queue_id,
                    "old": r.old,
                    "new": r.new,
                }
                for r in self.rows
            ],
        }


async def consumed_topics(clients: AdminClients, group: str, brokers: list[BrokerGroup]) -> list[str]:
    """Topics the group has offsets for on any master (retry topics left out)."""
    topics: set[str] = set()
    for b in brokers:
        try:
            stats = await clients.broker(b.read_addr or "").consume_stats(group)
        except RemotingError as exc:
            if exc.code in (17, 26):
                continue
            raise
        topics |= {q.queue.topic for q in stats.queues if not q.queue.topic.startswith(RETRY_PREFIX)}
    return sorted(topics)


async def plan_reset(
    clients: AdminClients, group: str, target: ResetTarget, topics: list[str] | None = None
) -> ResetPlan:
    brokers = [g for g in await clients.groups() if g.master]
    topics = topics or await consumed_topics(clients, group, brokers)
    if not topics:
        raise AdminError(f"group {group} has no offsets on any master: name a topic (--topic)")
    plan = ResetPlan(group, target, topics, masters={b.name: b.master or "" for b in brokers})
    for topic in topics:
        route = await topic_route(clients, topic)
        on = {q.broker_name for q in route.queues}
        for b in brokers:
            if b.name in on:
                plan.rows += await plan_broker(clients.broker(b.master or ""), group, topic, target)
    plan.rows.sort(key=lambda r: r.queue)
    return plan


async def topic_route(clients: AdminClients, topic: str) -> TopicRoute:
    async def ask(ns: NamesrvClient) -> TopicRoute:
        return await ns.topic_route(topic)

    return await clients.first_namesrv(ask)


async def plan_broker(client: BrokerClient, group: str, topic: str, target: ResetTarget) -> list[ResetRow]:
    stats = await client.topic_stats(topic)
    try:
        current = {q.queue: q.consumer_offset for q in (await client.consume_stats(group, topic)).queues}
    except RemotingError as exc:
        if exc.code not in (17, 26):
            raise
        current = {}

    async def new_offset(qid: int, lo: int, hi: int) -> int:
        if target.kind == EARLIEST:
            return lo
        if target.kind == LATEST:
            return hi
        return await client.search_offset(topic, qid, target.timestamp_ms)

    news = await asyncio.gather(*(new_offset(q.queue.queue_id, q.min_offset, q.max_offset) for q in stats.queues))
    return [ResetRow(q.queue, current.get(q.queue), n) for q, n in zip(stats.queues, news, strict=True)]


@dataclass
class ResetResult:
    set_by_broker: dict[MessageQueue, int] = field(default_factory=dict)
    read_back: dict[MessageQueue, int] = field(default_factory=dict)
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatched and bool(self.set_by_broker)


async def apply_reset(clients: AdminClients, plan: ResetPlan, notes: list[str]) -> ResetResult:
    result = ResetResult()
    by_topic_broker = sorted({(r.queue.topic, r.queue.broker_name) for r in plan.rows})
    for topic, broker in by_topic_broker:
        addr = plan.masters[broker]
        table = await clients.broker(addr).reset_offset(plan.group, topic, plan.target.broker_timestamp)
        notes.append(f"INVOKE_BROKER_TO_RESET_OFFSET {plan.group} {topic} at {broker} {addr}: {len(table)} queue(s)")
        result.set_by_broker.update(table)
    for row in plan.rows:
        got = result.set_by_broker.get(row.queue)
        if got is None:
            result.mismatched.append(f"{row.queue}: the broker did not reset it")
        elif got != row.new:
            notes.append(f"{row.queue}: previewed {row.new}, the broker set {got} (messages arrived meanwhile)")
    deadline = time.monotonic() + READ_BACK_TIMEOUT
    while True:
        result.read_back = await read_offsets(clients, plan)
        wrong = [
            f"{mq}: broker set {want}, group offset reads {result.read_back.get(mq)}"
            for mq, want in result.set_by_broker.items()
            if result.read_back.get(mq) != want
        ]
        if not wrong or time.monotonic() > deadline:
            result.mismatched += wrong
            return result
        await asyncio.sleep(0.2)


async def read_offsets(clients: AdminClients, plan: ResetPlan) -> dict[MessageQueue, int]:
    out: dict[MessageQueue, int] = {}
    for topic, broker in sorted({(r.queue.topic, r.queue.broker_name) for r in plan.rows}):
        stats = await clients.broker(plan.masters[broker]).consume_stats(plan.group, topic)
        out.update({q.queue: q.consumer_offset for q in stats.queues})
    return out
