"""NamesrvClient: the read-only namesrv calls rocketui needs (cluster info, routes, topics)."""

from __future__ import annotations

import asyncio
from typing import Any

from rocketui.rocketmq.remoting import lenient_json
from rocketui.rocketmq.remoting.admin import NamesrvAdmin
from rocketui.rocketmq.remoting.client import DEFAULT_TIMEOUT, Connector
from rocketui.rocketmq.remoting.codes import RequestCode
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.peer import Peer
from rocketui.rocketmq.remoting.route import (
    ClusterInfo,
    RouteFormatError,
    TopicRoute,
    cluster_info_from_json,
    topic_route_from_json,
)


def parse_json_body(addr: str, what: str, body: bytes) -> Any:
    """Lenient JSON of a response body, or a RemotingError that says who sent what."""
    if not body:
        raise RemotingError(addr, f"{what} answered with an empty body")
    try:
        return lenient_json.loads(body)
    except lenient_json.JSONParseError as exc:
        raise RemotingError(addr, f"{what} body is not valid JSON: {exc}") from None


class NamesrvClient(NamesrvAdmin, Peer):
    async def cluster_info(self) -> ClusterInfo:
        """Clusters and brokers currently registered at this namesrv."""
        response = await self.remoting.invoke(RequestCode.GET_BROKER_CLUSTER_INFO)
        data = parse_json_body(self.addr, "GET_BROKER_CLUSTER_INFO", response.body)
        try:
            return cluster_info_from_json(data)
        except RouteFormatError as exc:
            raise RemotingError(self.addr, f"GET_BROKER_CLUSTER_INFO body: {exc}") from None

    async def topic_route(self, topic: str) -> TopicRoute:
        """Route of `topic`; RemotingError code 17 (TOPIC_NOT_EXIST) when it has none."""
        response = await self.remoting.invoke(
            RequestCode.GET_ROUTEINFO_BY_TOPIC, {"topic": topic, "acceptStandardJsonOnly": "true"}
        )
        data = parse_json_body(self.addr, "GET_ROUTEINFO_BY_TOPIC", response.body)
        try:
            return topic_route_from_json(topic, data)
        except RouteFormatError as exc:
            raise RemotingError(self.addr, f"GET_ROUTEINFO_BY_TOPIC {topic!r} body: {exc}") from None

    async def all_topics(self) -> list[str]:
        """Every topic name the namesrv knows (sorted)."""
        response = await self.remoting.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)
        data = parse_json_body(self.addr, "GET_ALL_TOPIC_LIST_FROM_NAMESERVER", response.body)
        topics = data.get("topicList") if isinstance(data, dict) else None
        if not isinstance(topics, list):
            raise RemotingError(self.addr, "GET_ALL_TOPIC_LIST_FROM_NAMESERVER body has no 'topicList' array")
        return sorted(str(t) for t in topics)


async def cluster_info_per_namesrv(
    namesrv_addrs: list[str], connector: Connector | None = None, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, ClusterInfo | RemotingError]:
    """Each namesrv's own view (asked concurrently), or the RemotingError it failed with."""

    async def one(addr: str) -> ClusterInfo | RemotingError:
        try:
            client = NamesrvClient(addr, connector=connector, timeout=timeout)
        except ValueError as exc:  # malformed address
            return RemotingError(addr, str(exc))
        async with client:
            try:
                return await client.cluster_info()
            except RemotingError as exc:
                return exc

    results = await asyncio.gather(*(one(a) for a in namesrv_addrs))
    return dict(zip(namesrv_addrs, results, strict=False))


async def cluster_info_from_any(
    namesrv_addrs: list[str], connector: Connector | None = None, timeout: float = DEFAULT_TIMEOUT
) -> tuple[ClusterInfo, dict[str, str | None]]:
    """Ask every namesrv concurrently. Returns the union of their views and, per address, None
    (answered) or the error text. For "registered at every namesrv" use the per-namesrv views
    of `cluster_info_per_namesrv`; the union only says "registered somewhere"."""
    merged = ClusterInfo()
    errors: dict[str, str | None] = {}
    for addr, result in (await cluster_info_per_namesrv(namesrv_addrs, connector, timeout)).items():
        if isinstance(result, ClusterInfo):
            merged = merged.merged(result)
            errors[addr] = None
        else:
            errors[addr] = str(result)
    return merged, errors
