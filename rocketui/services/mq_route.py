"""Topic routes for the produce/consume tests: ask the namesrvs one after the other (the next
one when one is down, as the Java client does), list a route's writable and readable queues,
and reach broker/namesrv addresses through the cluster's backends (tunnelled for SSH hosts)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rocketui.rocketmq.remoting.client import Connector
from rocketui.rocketmq.remoting.codes import ResponseCode
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.namesrv import NamesrvClient
from rocketui.rocketmq.remoting.route import BrokerData, TopicRoute

if TYPE_CHECKING:
    from rocketui.backends.base import HostPool
    from rocketui.model.cluster import Cluster

PERM_WRITE = 0x2
PERM_READ = 0x4


class MqTestError(Exception):
    """A produce/consume test cannot go on; the message says why and what to do."""


@dataclass(frozen=True, order=True)
class Queue:
    broker_name: str
    queue_id: int

    def __str__(self) -> str:
        return f"{self.broker_name}[{self.queue_id}]"


@dataclass(frozen=True)
class RouteLookup:
    """A route, or `route is None` when every answering namesrv said TOPIC_NOT_EXIST.
    `notes` names the namesrvs that failed (and why) before one answered."""

    topic: str
    route: TopicRoute | None
    answered_by: str
    notes: tuple[str, ...] = ()


async def lookup_route(
    namesrvs: Sequence[str], topic: str, *, connector: Connector | None = None, timeout: float = 3.0
) -> RouteLookup:
    """Ask each namesrv in order until one has a route. A namesrv that is down or answers
    TOPIC_NOT_EXIST is skipped (registration can differ between namesrvs). Raises MqTestError
    when none answered at all."""
    if not namesrvs:
        raise MqTestError("no namesrv address to ask for the topic route")
    notes: list[str] = []
    not_found_at: str | None = None
    for addr in namesrvs:
        try:
            client = NamesrvClient(addr, connector=connector, timeout=timeout)
        except ValueError as exc:
            notes.append(f"{addr}: {exc}")
            continue
        async with client:
            try:
                route = await client.topic_route(topic)
            except RemotingError as exc:
                if exc.code == ResponseCode.TOPIC_NOT_EXIST:
                    not_found_at = not_found_at or addr
                    notes.append(f"{addr}: no route for topic {topic}")
                else:
                    notes.append(str(exc))
                continue
        return RouteLookup(topic, route, addr, tuple(notes))
    if not_found_at is not None:
        return RouteLookup(topic, None, not_found_at, tuple(notes))
    raise MqTestError(f"no namesrv answered ({'; '.join(notes)})")


@dataclass(frozen=True)
class ProxyTarget:
    """Produce and read through a proxy: with `addr`, every request goes to that remoting port
    naming the broker it is for, and a Cluster-mode proxy answers route lookups itself (its routes
    name the proxy for every broker).  A Local-mode proxy serves only its own broker
    (`only_broker`); its remoting port does not relay the offset and pull requests (5.5.0: no
    answer) and its route names its gRPC port, so remoting goes to that broker itself
    (`addr` None) and only the gRPC sends go through the proxy."""

    node: str
    addr: str | None
    routes_from_proxy: bool
    only_broker: str | None = None


def proxied_route(route: TopicRoute, target: ProxyTarget) -> TopicRoute:
    """`route` with every broker reached at the proxy (and only its own broker for a local proxy)."""
    keep = [b for b in route.brokers if target.only_broker in (None, b.broker_name)]
    brokers = [replace(b, addrs=dict.fromkeys(b.addrs, target.addr)) if target.addr else b for b in keep]
    names = {b.broker_name for b in keep}
    return replace(route, brokers=brokers, queues=[q for q in route.queues if q.broker_name in names])


async def route_via(
    namesrvs: Sequence[str],
    topic: str,
    proxy: ProxyTarget | None,
    *,
    connector: Connector | None = None,
    timeout: float = 3.0,
) -> RouteLookup:
    """The topic's route from the namesrvs — or, with a Cluster-mode proxy, from the proxy — with
    every broker reached through the proxy when there is one."""
    if proxy is None:
        return await lookup_route(namesrvs, topic, connector=connector, timeout=timeout)
    asked = [proxy.addr] if proxy.routes_from_proxy and proxy.addr else list(namesrvs)
    lookup = await lookup_route(asked, topic, connector=connector, timeout=timeout)
    if lookup.route is None:
        return lookup
    route = proxied_route(lookup.route, proxy)
    return replace(lookup, route=route if route.queues else None)


def _brokers(route: TopicRoute) -> dict[str, BrokerData]:
    return {b.broker_name: b for b in route.brokers}


def write_queues(route: TopicRoute) -> tuple[list[Queue], dict[str, str]]:
    """(writable queues in the Java client's order: broker name, then queue id; broker name →
    master address). MqTestError naming each broker's reason when nothing is writable."""
    brokers = _brokers(route)
    queues: list[Queue] = []
    masters: dict[str, str] = {}
    reasons: list[str] = []
    for q in sorted(route.queues, key=lambda q: q.broker_name):
        data = brokers.get(q.broker_name)
        master = data.master_addr if data else None
        if not q.perm & PERM_WRITE:
            reasons.append(f"{q.broker_name} is not writable (perm {q.perm})")
        elif master is None:
            reasons.append(f"{q.broker_name} has no master registered")
        elif q.write_queue_nums <= 0:
            reasons.append(f"{q.broker_name} has 0 write queues")
        else:
            masters[q.broker_name] = master
            queues.extend(Queue(q.broker_name, i) for i in range(q.write_queue_nums))
    if not queues:
        raise MqTestError(
            f"topic {route.topic} has no writable queue: " + ("; ".join(reasons) or "its route lists no queues")
        )
    return queues, masters


def read_addr(data: BrokerData) -> str | None:
    """Where to read a broker's queues: its master, else its lowest-id slave."""
    if data.master_addr:
        return data.master_addr
    return data.addrs[min(data.addrs)] if data.addrs else None


def read_queues(route: TopicRoute) -> tuple[list[Queue], dict[str, str]]:
    """(readable queues, broker name → address to read from). Queue ids at or above
    readQueueNums are refused by the broker's pull, so they are not listed even if writable."""
    brokers = _brokers(route)
    queues: list[Queue] = []
    addrs: dict[str, str] = {}
    for q in sorted(route.queues, key=lambda q: q.broker_name):
        data = brokers.get(q.broker_name)
        addr = read_addr(data) if data else None
        if addr is None or not q.perm & PERM_READ:
            continue
        addrs[q.broker_name] = addr
        queues.extend(Queue(q.broker_name, i) for i in range(q.read_queue_nums))
    return queues, addrs


def cluster_namesrvs(cluster: Cluster) -> list[str]:
    return [cluster.endpoint(n) for n in cluster.namesrvs]


def cluster_connector(cluster: Cluster, pool: HostPool) -> Connector:
    """Open a connection to a node's address through its host's backend (an SSH host's broker is
    reached through that host); any other address directly."""
    by_addr = {(cluster.advertised_address(n), p): n.host for n in cluster.nodes for p in n.ports()}

    async def connect(host: str, port: int) -> tuple[object, object]:
        host_name = by_addr.get((host, port))
        if host_name is None:
            return await asyncio.open_connection(host, port)
        return await pool.get(host_name).open_connection(host, port)

    return connect
