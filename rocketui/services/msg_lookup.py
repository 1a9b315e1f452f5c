"""Find messages by id (broker offset id or client unique key) or by topic + key, and tell for
each subscribed group whether it has consumed the message.

Both id kinds are 32 hex characters (IPv4); an offset id carries the store port where a unique id
carries pid/hash bytes, so a "port" above 65535 means a unique id.  An offset id is read with
VIEW_MESSAGE_BY_ID at the broker it names; when that fails (or for unique ids) the index is
queried (QUERY_MESSAGE with the unique-key flag), as mqadmin queryMsgById does.  The index
matches hashes and whole seconds only, so results are filtered by key and topic here.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass, field

from rocketui.rocketmq.remoting.admin_bodies import topic_kind
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.message import MessageExt, parse_offset_msg_id
from rocketui.services.admin_clients import AdminClients, AdminError, BrokerGroup, gather_limited

INDEX_SLACK_MS = 60_000  # the index keeps whole seconds; the end bound also covers clock skew


@dataclass
class FoundMessage:
    message: MessageExt
    broker: str  # broker name it was read from
    consumed_by: dict[str, bool] = field(default_factory=dict)  # group -> consumed

    def to_json(self, body_limit: int = 1024) -> dict[str, object]:
        m = self.message
        return {
            "msg_id": m.msg_id,
            "offset_msg_id": m.offset_msg_id,
            "topic": m.topic,
            "broker": self.broker,
            "queue": m.queue_id,
            "queue_offset": m.queue_offset,
            "commitlog_offset": m.commit_log_offset,
            "tags": m.tags,
            "keys": m.keys,
            "properties": m.properties,
            "born_timestamp": m.born_timestamp,
            "born_host": m.born_host,
            "store_timestamp": m.store_timestamp,
            "store_host": m.store_host,
            "reconsume_times": m.reconsume_times,
            "body_size": len(m.body),
            "body_hex": m.body[:body_limit].hex(),
            "consumed_by": self.consumed_by,
        }


def looks_unique(msg_id: str) -> bool:
    """True when the id cannot be an offset id (its port field exceeds 65535)."""
    try:
        raw = bytes.fromhex(msg_id)
    except ValueError:
        raise AdminError(f"message id {msg_id!r} is not hexadecimal") from None
    if len(raw) not in (16, 28):
        raise AdminError(f"message id {msg_id!r} has {len(msg_id)} hex characters, expected 32 (IPv4) or 56 (IPv6)")
    (port,) = struct.unpack_from(">i", raw, len(raw) - 12)
    return not 0 < port <= 65535


async def by_id(clients: AdminClients, msg_id: str, topic: str | None = None) -> list[FoundMessage]:
    msg_id = msg_id.strip().upper()
    groups = await clients.groups()
    if not looks_unique(msg_id):
        host, port, offset = parse_offset_msg_id(msg_id)
        addr = f"{host}:{port}"
        owner = next((g for g in groups if addr == g.master or addr in g.slaves), None)
        if owner is not None:  # never connect to an address the cluster does not list
            try:
                message = await clients.broker(addr).view_message(offset)
                return [await with_consumers(clients, FoundMessage(message, owner.name), groups)]
            except RemotingError:
                pass  # fall back to the unique-key index, as mqadmin does
    topics = [topic] if topic else await user_topics(clients)
    found: list[FoundMessage] = []
    for t in topics:
        found += await query_index(clients, t, msg_id, groups, unique=True)
    return [await with_consumers(clients, f, groups) for f in found]


async def by_key(clients: AdminClients, topic: str, key: str) -> list[FoundMessage]:
    groups = await clients.groups()
    found = await query_index(clients, topic, key, groups, unique=False)
    return [await with_consumers(clients, f, groups) for f in found]


async def user_topics(clients: AdminClients) -> list[str]:
    every = await clients.first_namesrv(lambda ns: ns.all_topics())
    return [t for t in every if topic_kind(t) == "normal"]


async def query_index(
    clients: AdminClients, topic: str, key: str, groups: list[BrokerGroup], *, unique: bool
) -> list[FoundMessage]:
    try:
        route = await clients.first_namesrv(lambda ns: ns.topic_route(topic))
    except AdminError:
        return []
    on = {q.broker_name for q in route.queues}
    targets = [g for g in groups if g.name in on and g.read_addr]
    end = int(time.time() * 1000) + INDEX_SLACK_MS

    async def one(g: BrokerGroup) -> list[MessageExt]:
        return await clients.broker(g.read_addr or "").query_message(topic, key, begin_ms=0, end_ms=end, unique=unique)

    found: list[FoundMessage] = []
    seen: set[tuple[str, int]] = set()
    for g, result in zip(targets, await gather_limited(targets, one), strict=True):
        if isinstance(result, BaseException):
            continue
        for m in result:
            match = m.msg_id == key if unique else key in m.keys
            if m.topic == topic and match and (g.name, m.commit_log_offset) not in seen:
                seen.add((g.name, m.commit_log_offset))
                found.append(FoundMessage(m, g.name))
    return sorted(found, key=lambda f: (f.message.store_timestamp, f.broker))


async def with_consumers(clients: AdminClients, found: FoundMessage, groups: list[BrokerGroup]) -> FoundMessage:
    """For each group subscribed to the topic on that broker: has its offset passed the message?"""
    group = next((g for g in groups if g.name == found.broker), None)
    if group is None or group.read_addr is None:
        return found
    client = clients.broker(group.read_addr)
    m = found.message
    try:
        names = await client.groups_consuming(m.topic)
    except RemotingError:
        return found
    for name in names:
        try:
            offset = await client.query_consumer_offset(name, m.topic, m.queue_id)
        except RemotingError:
            offset = None
        found.consumed_by[name] = offset is not None and offset > m.queue_offset
    return found
