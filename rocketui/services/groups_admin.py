"""Consumer groups: every group the brokers know (subscription groups, system groups left out),
who is online, consume TPS, lag, and the age of the oldest unconsumed message.

Lag comes from GET_CONSUME_STATS asked of *every* broker (mqadmin asks only the brokers of
`%RETRY%group`'s route, so a group without that topic is invisible to it).  The oldest unconsumed
message is read with one PULL of the message at the group's offset as TOOLS_CONSUMER (the group
mqadmin itself uses; nothing is committed), only for queues that lag.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rocketui.rocketmq.remoting.admin_bodies import (
    ClientConnection,
    ConsumerConnection,
    MessageQueue,
    QueueConsumeStats,
    is_system_group,
)
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.results import PullStatus
from rocketui.services.admin_clients import AdminClients, BrokerGroup, gather_limited

INSPECT_GROUP = "TOOLS_CONSUMER"


@dataclass
class GroupRow:
    name: str
    connection: ConsumerConnection | None = None
    queues: list[QueueConsumeStats] = field(default_factory=list)
    consume_tps: float = 0.0
    oldest_unconsumed: dict[MessageQueue, int] = field(default_factory=dict)  # queue -> store time (ms)

    @property
    def online(self) -> list[ClientConnection]:
        return self.connection.connections if self.connection else []

    @property
    def lag(self) -> int:
        return sum(q.lag for q in self.queues)

    @property
    def topics(self) -> list[str]:
        return sorted({q.queue.topic for q in self.queues})

    def oldest_age(self, now_ms: int | None = None) -> float | None:
        """Seconds since the oldest unconsumed message was stored (None: nothing behind)."""
        if not self.oldest_unconsumed:
            return None
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return max(0.0, (now - min(self.oldest_unconsumed.values())) / 1000)

    def last_consumed(self) -> int:
        return max((q.last_timestamp for q in self.queues), default=0)

    def worst_first(self) -> list[QueueConsumeStats]:
        return sorted(self.queues, key=lambda q: (-q.lag, q.queue))

    def to_json(self, *, queues: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "group": self.name,
            "online": [
                {"client_id": c.client_id, "address": c.client_addr, "version": c.version, "language": c.language}
                for c in self.online
            ],
            "consume_type": self.connection.consume_type if self.connection else None,
            "message_model": self.connection.message_model if self.connection else None,
            "consume_tps": self.consume_tps,
            "lag": self.lag,
            "oldest_unconsumed_age_s": self.oldest_age(),
            "topics": self.topics,
        }
        if queues:
            out["queues"] = [
                {
                    "topic": q.queue.topic,
                    "broker": q.queue.broker_name,
                    "queue": q.queue.queue_id,
                    "broker_offset": q.broker_offset,
                    "consumer_offset": q.consumer_offset,
                    "lag": q.lag,
                    "inflight": q.inflight,
                    "last_consumed": q.last_timestamp,
                    "oldest_unconsumed": self.oldest_unconsumed.get(q.queue),
                }
                for q in self.worst_first()
            ]
        return out


@dataclass
class GroupsReport:
    rows: list[GroupRow]
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {"groups": [r.to_json() for r in self.rows], "errors": self.errors}


async def group_names(clients: AdminClients, groups: list[BrokerGroup], errors: list[str]) -> list[str]:
    names: set[str] = set()
    results = await gather_limited(groups, lambda g: clients.broker(g.read_addr or "").subscription_groups())
    for group, result in zip(groups, results, strict=True):
        if isinstance(result, BaseException):
            errors.append(f"{group.name}: {result}")
        else:
            names |= {n for n in result if not is_system_group(n)}
    return sorted(names)


StoreTimes = dict[tuple[MessageQueue, int], int]  # (queue, offset) -> store time: never changes
STORE_TIMES_KEPT = 100_000


async def list_groups(
    clients: AdminClients,
    names: list[str] | None = None,
    *,
    oldest: bool = True,
    store_times: StoreTimes | None = None,
) -> GroupsReport:
    t0 = time.monotonic()
    errors: list[str] = []
    brokers = [g for g in await clients.groups() if g.read_addr]
    wanted = names if names is not None else await group_names(clients, brokers, errors)
    rows = {n: GroupRow(n) for n in wanted}
    pairs = [(row, b) for row in rows.values() for b in brokers]
    stats = await gather_limited(pairs, lambda p: clients.broker(p[1].read_addr or "").consume_stats(p[0].name))
    for (row, broker), result in zip(pairs, stats, strict=True):
        if isinstance(result, RemotingError) and result.code in (17, 26):  # unknown here: nothing to add
            continue
        if isinstance(result, BaseException):
            errors.append(f"{row.name}@{broker.name}: {result}")
            continue
        row.queues += result.queues
        row.consume_tps += result.consume_tps

    async def connection(row: GroupRow) -> ConsumerConnection | None:
        for b in brokers:
            found = await clients.broker(b.read_addr or "").consumer_connection(row.name)
            if found is not None:
                return found
        return None

    conns = await gather_limited(list(rows.values()), connection)
    for row, conn in zip(rows.values(), conns, strict=True):
        if isinstance(conn, BaseException):
            errors.append(f"{row.name}: connections: {conn}")
        else:
            row.connection = conn
    if oldest:
        known = {} if store_times is None else store_times
        await fill_oldest(clients, brokers, list(rows.values()), errors, known)
    return GroupsReport(sorted(rows.values(), key=lambda r: r.name), errors, time.monotonic() - t0)


async def fill_oldest(
    clients: AdminClients, brokers: list[BrokerGroup], rows: list[GroupRow], errors: list[str], known: StoreTimes
) -> None:
    """Store time of the message at each lagging queue's consumer offset (`known` caches them
    across refreshes: a refresh then pulls only for queues whose group offset moved)."""
    addr = {b.name: b.read_addr or "" for b in brokers}
    if len(known) > STORE_TIMES_KEPT:
        known.clear()
    todo = []
    for row in rows:
        for q in row.queues:
            if q.lag <= 0 or q.queue.broker_name not in addr:
                continue
            cached = known.get((q.queue, q.consumer_offset))
            if cached is None:
                todo.append((row, q))
            else:
                row.oldest_unconsumed[q.queue] = cached

    async def one(item: tuple[GroupRow, QueueConsumeStats]) -> int | None:
        _, q = item
        result = await clients.broker(addr[q.queue.broker_name]).pull(
            INSPECT_GROUP, q.queue.topic, q.queue.queue_id, q.consumer_offset, 1
        )
        if result.status is PullStatus.FOUND and result.messages:
            return result.messages[0].store_timestamp
        return None

    for (row, q), result in zip(todo, await gather_limited(todo, one), strict=True):
        if isinstance(result, BaseException):
            errors.append(f"{row.name} {q.queue}: oldest message: {result}")
        elif result is not None:
            row.oldest_unconsumed[q.queue] = known[(q.queue, q.consumer_offset)] = result


async def group_detail(clients: AdminClients, group: str) -> GroupsReport:
    return await list_groups(clients, [group])
