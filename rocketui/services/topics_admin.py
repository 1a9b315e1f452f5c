"""Topics: the list (from each broker's own topic table, so queue counts and perms are the
broker's), per-queue offsets, subscribing groups; create/update (masters, then the slaves of each
group so a failover right after creation finds the topic) and delete (brokers, then namesrvs)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from rocketui.rocketmq.remoting.admin_bodies import (
    QueueOffsets,
    TopicConfig,
    TopicStats,
    perm_text,
    topic_kind,
)
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.route import TopicRoute
from rocketui.services.admin_clients import AdminClients, AdminError, BrokerGroup, gather_limited
from rocketui.services.topic_replicas import TopicSpec, create_in_groups


@dataclass
class TopicRow:
    name: str
    kind: str  # normal | retry | dlq | system
    brokers: list[str] = field(default_factory=list)
    read_queues: int = 0
    write_queues: int = 0
    perms: set[int] = field(default_factory=set)
    order: bool = False
    messages: int | None = None  # sum of max - min offsets over every queue
    put_tps: float | None = None  # 5.x topicPutTps summed over brokers

    @property
    def perm(self) -> str:
        return "/".join(perm_text(p) for p in sorted(self.perms)) or "-"

    @property
    def system(self) -> bool:
        return self.kind == "system"

    def to_json(self) -> dict[str, object]:
        return {
            "topic": self.name,
            "kind": self.kind,
            "brokers": self.brokers,
            "read_queues": self.read_queues,
            "write_queues": self.write_queues,
            "perm": self.perm,
            "order": self.order,
            "messages": self.messages,
            "put_tps": self.put_tps,
        }


@dataclass
class TopicsReport:
    rows: list[TopicRow]
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {"topics": [r.to_json() for r in self.rows], "errors": self.errors}


async def list_topics(clients: AdminClients, *, stats: bool = True) -> TopicsReport:
    t0 = time.monotonic()
    groups = [g for g in await clients.groups() if g.read_addr]
    errors: list[str] = []
    configs: dict[str, dict[str, TopicConfig]] = {}
    results = await gather_limited(groups, lambda g: clients.broker(g.read_addr or "").all_topic_configs())
    for group, result in zip(groups, results, strict=True):
        if isinstance(result, BaseException):
            errors.append(f"{group.name}: {result}")
        else:
            configs[group.name] = result
    system: set[str] = set()
    for cluster in sorted({g.cluster for g in groups}):  # the broker's own system set (cluster, broker names…)
        first = next(g for g in groups if g.cluster == cluster and g.name in configs)
        try:
            system |= set(await clients.broker(first.read_addr or "").system_topics())
        except RemotingError as exc:
            errors.append(f"{first.name}: system topics: {exc}")
    system |= {g.name for g in groups} | {g.cluster for g in groups}
    try:
        registered = await clients.first_namesrv(lambda ns: ns.all_topics())
    except AdminError as exc:
        registered = []
        errors.append(str(exc))
    rows: dict[str, TopicRow] = {t: TopicRow(t, topic_kind(t, system)) for t in registered}
    for broker_name, table in sorted(configs.items()):
        for name, config in table.items():
            row = rows.setdefault(name, TopicRow(name, topic_kind(name, system)))
            row.brokers.append(broker_name)
            row.read_queues += config.read_queue_nums
            row.write_queues += config.write_queue_nums
            row.perms.add(config.perm)
            row.order = row.order or config.order
    if stats:
        pairs = [
            (row, group) for row in rows.values() for group in groups if group.name in row.brokers and group.read_addr
        ]
        await add_stats(clients, pairs, errors)
    return TopicsReport(sorted(rows.values(), key=lambda r: r.name), errors, time.monotonic() - t0)


async def add_stats(clients: AdminClients, pairs: list[tuple[TopicRow, BrokerGroup]], errors: list[str]) -> None:
    """Message counts and put TPS of each (topic, broker) pair, summed into the rows."""

    async def one(pair: tuple[TopicRow, BrokerGroup]) -> TopicStats:
        return await clients.broker(pair[1].read_addr or "").topic_stats(pair[0].name)

    for (row, group), stats in zip(pairs, await gather_limited(pairs, one), strict=True):
        if isinstance(stats, BaseException):
            errors.append(f"{row.name}@{group.name}: {stats}")
            continue
        row.messages = (row.messages or 0) + sum(q.messages for q in stats.queues)
        if stats.put_tps is not None:
            row.put_tps = (row.put_tps or 0.0) + stats.put_tps


@dataclass
class TopicDetail:
    topic: str
    route: TopicRoute | None
    queues: list[QueueOffsets]
    groups: list[str]
    configs: dict[str, TopicConfig]  # broker name -> config
    errors: list[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(q.messages for q in self.queues)

    @property
    def broker_names(self) -> set[str]:
        """Brokers the namesrv route lists for the topic."""
        return {q.broker_name for q in self.route.queues} if self.route else set()

    def to_json(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "brokers": {
                name: {"read_queues": c.read_queue_nums, "write_queues": c.write_queue_nums, "perm": c.perm}
                for name, c in self.configs.items()
            },
            "queues": [
                {
                    "broker": q.queue.broker_name,
                    "queue": q.queue.queue_id,
                    "min": q.min_offset,
                    "max": q.max_offset,
                    "last_update": q.last_update,
                }
                for q in self.queues
            ],
            "groups": self.groups,
            "messages": self.messages,
            "errors": self.errors,
        }


async def topic_detail(clients: AdminClients, topic: str) -> TopicDetail:
    errors: list[str] = []
    route: TopicRoute | None = None
    try:
        route = await clients.first_namesrv(lambda ns: ns.topic_route(topic))
    except AdminError as exc:
        errors.append(str(exc))
    groups = [g for g in await clients.groups() if g.read_addr]
    if route is not None:
        on = {q.broker_name for q in route.queues}
        groups = [g for g in groups if g.name in on]

    async def one(group: BrokerGroup) -> tuple[TopicStats, list[str], TopicConfig | None]:
        client = clients.broker(group.read_addr or "")
        stats, who, configs = await asyncio.gather(
            client.topic_stats(topic), client.groups_consuming(topic), client.all_topic_configs()
        )
        return stats, who, configs.get(topic)

    queues: list[QueueOffsets] = []
    consumers: set[str] = set()
    configs: dict[str, TopicConfig] = {}
    for group, result in zip(groups, await gather_limited(groups, one), strict=True):
        if isinstance(result, BaseException):
            if not (isinstance(result, RemotingError) and result.code == 17):
                errors.append(f"{group.name}: {result}")
            continue
        stats, who, config = result
        queues += stats.queues
        consumers |= set(who)
        if config is not None:
            configs[group.name] = config
    return TopicDetail(topic, route, sorted(queues, key=lambda q: q.queue), sorted(consumers), configs, errors)


async def create_topic(
    clients: AdminClients, spec: TopicSpec, targets: Sequence[BrokerGroup], notes: list[str]
) -> list[str]:
    return await create_in_groups(clients.broker, spec, targets, notes)


async def delete_topic(
    clients: AdminClients, topic: str, groups: Sequence[BrokerGroup], cluster: str | None, notes: list[str]
) -> None:
    """DELETE_TOPIC_IN_BROKER on every broker of the groups (masters, then slaves), then
    DELETE_TOPIC_IN_NAMESRV at every namesrv: in that order, a broker registration cannot bring
    the route back."""
    for group in groups:
        for addr in (*([group.master] if group.master else []), *group.slaves):
            await clients.broker(addr).delete_topic(topic)
            notes.append(f"DELETE_TOPIC_IN_BROKER {topic} at {group.name} {addr}")
    for ns in clients.namesrvs:
        await clients.namesrv(ns).delete_topic(topic, cluster)
        notes.append(f"DELETE_TOPIC_IN_NAMESRV {topic} at {ns}")
