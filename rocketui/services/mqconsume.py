"""Consume a topic with a consumer group over plain PULL_MESSAGE (no heartbeat, no rebalance:
this one client reads every readable queue), committing the group's offsets at the end.

Start position per queue: with `from_start` the queue's min offset; otherwise the group's
committed offset, or the max offset (only new messages) for a group that has none, like the
Java client's CONSUME_FROM_LAST_OFFSET. Stops after `count` messages, after `idle_timeout`
seconds without a new message, or after `timeout` seconds in all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.client import Connector, RemotingClient
from rocketui.rocketmq.remoting.codes import ResponseCode
from rocketui.rocketmq.remoting.errors import ConnectionLost, RemotingError, RemotingTimeout
from rocketui.rocketmq.remoting.message import MessageExt
from rocketui.rocketmq.remoting.results import PullStatus
from rocketui.rocketmq.remoting.route import TopicRoute
from rocketui.services.admin_clients import BrokerGroup
from rocketui.services.mq_route import MqTestError, ProxyTarget, Queue, lookup_route, read_queues, route_via
from rocketui.services.topic_replicas import ensure_consumer_group

PULL_BATCH = 32  # the broker's default cap per pull (maxTransferCountOnMessageInMemory)
LONG_POLL_MS = 1000


def pull_error(exc: RemotingError, group: str, queue: Queue) -> MqTestError:
    """A readable MqTestError for a refused pull."""
    if exc.code == ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST:
        return MqTestError(
            f"consumer group {group} does not exist on broker {queue.broker_name} and the broker "
            "does not auto-create groups (autoCreateSubscriptionGroup=false): create the group "
            f"or use an existing one ({exc})"
        )
    if exc.code == ResponseCode.NO_PERMISSION:
        return MqTestError(
            f"pulling {queue} is not permitted (topic/broker not readable, or the group's consumeEnable=false): {exc}"
        )
    return MqTestError(f"pulling {queue} failed: {exc}")


class PullInterrupted(MqTestError):
    """A pull that timed out or lost its connection (a broker or proxy slow or restarting): the
    messages before `pos` were handed over; a standard consumer asks again from there."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.pos = pos


async def pull_queue(
    client: BrokerClient,
    group: str,
    topic: str,
    queue: Queue,
    start: int,
    end: int | None,
    on_message: Callable[[MessageExt], bool],
    *,
    subscription: str = "*",
    suspend_ms: int = 0,
    notes: list[str] | None = None,
) -> int:
    """Pull `queue` from `start` until `end` (None: until the broker has nothing new), feeding
    each message to `on_message` (which returns False to stop right after that message).
    Returns the next offset to read."""
    pos = start
    while end is None or pos < end:
        try:
            result = await client.pull(
                group, topic, queue.queue_id, pos, PULL_BATCH, subscription=subscription, suspend_ms=suspend_ms
            )
        except (RemotingTimeout, ConnectionLost) as exc:
            raise PullInterrupted(str(pull_error(exc, group, queue)), pos) from None
        except RemotingError as exc:
            raise pull_error(exc, group, queue) from None
        if result.status is PullStatus.FOUND:
            for message in result.messages:
                pos = message.queue_offset + 1
                if not on_message(message):
                    return pos
            pos = max(pos, result.next_begin_offset)
        elif result.status is PullStatus.NO_NEW_MSG:
            return pos
        elif result.status is PullStatus.OFFSET_ILLEGAL:
            if notes is not None:
                notes.append(
                    f"{queue}: offset {pos} is outside {result.min_offset}..{result.max_offset}; "
                    f"continued at {result.next_begin_offset}"
                )
            if result.next_begin_offset == pos:
                return pos
            pos = result.next_begin_offset
        else:  # NO_MATCHED_MSG: nothing matched the subscription in this batch
            pos = max(pos + 1, result.next_begin_offset)
    return pos


@dataclass(frozen=True)
class ConsumedMessage:
    queue: Queue
    message: MessageExt

    def to_json(self, body_limit: int = 256) -> dict[str, object]:
        m = self.message
        body = m.body[:body_limit]
        return {
            "queue": str(self.queue),
            "offset": m.queue_offset,
            "msg_id": m.msg_id,
            "offset_msg_id": m.offset_msg_id,
            "tags": m.tags,
            "keys": m.keys,
            "properties": m.properties,
            "born_timestamp": m.born_timestamp,
            "store_timestamp": m.store_timestamp,
            "body_size": len(m.body),
            "body": body.decode("utf-8", "replace"),
            "body_truncated": len(m.body) > body_limit,
        }


@dataclass(frozen=True)
class ConsumeReport:
    topic: str
    group: str
    received: int
    per_queue: dict[str, int]
    start_offsets: dict[str, int]
    next_offsets: dict[str, int]
    stopped_by: str  # "count" | "idle" | "timeout"
    committed: bool
    notes: tuple[str, ...] = ()
    namesrv: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "group": self.group,
            "received": self.received,
            "per_queue": self.per_queue,
            "start_offsets": self.start_offsets,
            "next_offsets": self.next_offsets,
            "stopped_by": self.stopped_by,
            "committed": self.committed,
            "notes": list(self.notes),
            "namesrv": self.namesrv,
        }


@dataclass
class _State:
    received: int = 0
    last_message: float = field(default_factory=time.monotonic)
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def consume(
    namesrvs: Sequence[str],
    topic: str,
    group: str,
    *,
    from_start: bool = False,
    count: int | None = None,
    idle_timeout: float = 5.0,
    timeout: float | None = None,
    subscription: str = "*",
    commit: bool = True,
    connector: Connector | None = None,
    on_message: Callable[[ConsumedMessage], object] | None = None,
    request_timeout: float = 3.0,
) -> ConsumeReport:
    lookup = await lookup_route(namesrvs, topic, connector=connector, timeout=request_timeout)
    if lookup.route is None:
        raise MqTestError(f"topic {topic} does not exist (no route at {', '.join(namesrvs)})")
    queues, addrs = read_queues(lookup.route)
    if not queues:
        raise MqTestError(f"topic {topic} has no readable queue (perm or no registered broker)")
    notes = [f"namesrv skipped: {n}" for n in lookup.notes if "no route" not in n]
    clients = {addr: BrokerClient(addr, connector=connector, timeout=request_timeout) for addr in set(addrs.values())}
    if commit:  # a group rocketui commits for is a real consumer group (mqadmin consumerProgress -g works)
        await _ensure_group(lookup.route, group, connector, request_timeout, notes)
    state = _State()
    per_queue: dict[Queue, int] = {}
    try:
        starts = dict(
            await asyncio.gather(
                *(_start_offset(clients[addrs[q.broker_name]], group, topic, q, from_start) for q in queues)
            )
        )
        positions = dict(starts)

        def accept(queue: Queue, message: MessageExt) -> bool:
            if state.done.is_set():
                return False
            state.received += 1
            state.last_message = time.monotonic()
            per_queue[queue] = per_queue.get(queue, 0) + 1
            positions[queue] = message.queue_offset + 1
            if on_message is not None:
                on_message(ConsumedMessage(queue, message))
            if count is not None and state.received >= count:
                state.done.set()
                return False
            return True

        async def reader(queue: Queue) -> None:
            client = clients[addrs[queue.broker_name]]
            while not state.done.is_set():
                pos = await pull_queue(
                    client,
                    group,
                    topic,
                    queue,
                    positions[queue],
                    None,
                    lambda m: accept(queue, m),
                    subscription=subscription,
                    suspend_ms=LONG_POLL_MS,
                    notes=notes,
                )
                if not state.done.is_set():
                    positions[queue] = max(positions[queue], pos)

        stopped_by = await _run_until_done(state, [reader(q) for q in queues], idle_timeout, timeout)
        committed = False
        if commit:
            committed = await _commit(clients, addrs, group, topic, starts, positions, notes)
        return ConsumeReport(
            topic=topic,
            group=group,
            received=state.received,
            per_queue={str(q): n for q, n in sorted(per_queue.items())},
            start_offsets={str(q): o for q, o in starts.items()},
            next_offsets={str(q): o for q, o in positions.items()},
            stopped_by=stopped_by,
            committed=committed,
            notes=tuple(notes),
            namesrv=lookup.answered_by,
        )
    finally:
        await asyncio.gather(*(c.close() for c in clients.values()), return_exceptions=True)


async def ensure_group(
    namesrvs: Sequence[str], topic: str, group: str, *, connector: Connector | None = None, timeout: float = 3.0
) -> list[str]:
    """Make `group` a consumer group on every broker of `topic`'s route; returns what was done."""
    lookup = await lookup_route(namesrvs, topic, connector=connector, timeout=timeout)
    if lookup.route is None:
        raise MqTestError(f"topic {topic} does not exist (no route at {', '.join(namesrvs)})")
    notes: list[str] = []
    await _ensure_group(lookup.route, group, connector, timeout, notes)
    return notes


async def _ensure_group(
    route: TopicRoute, group: str, connector: Connector | None, timeout: float, notes: list[str]
) -> None:
    extra: dict[str, BrokerClient] = {}

    def client_for(addr: str) -> BrokerClient:
        if addr not in extra:
            extra[addr] = BrokerClient(addr, connector=connector, timeout=timeout)
        return extra[addr]

    try:
        await ensure_consumer_group(client_for, group, [BrokerGroup.from_data(b) for b in route.brokers], notes)
    except RemotingError as exc:
        raise MqTestError(f"cannot create consumer group {group}: {exc}") from None
    finally:
        await asyncio.gather(*(c.close() for c in extra.values()), return_exceptions=True)


async def _start_offset(
    client: BrokerClient, group: str, topic: str, queue: Queue, from_start: bool
) -> tuple[Queue, int]:
    try:
        if from_start:
            return queue, await client.get_min_offset(topic, queue.queue_id)
        committed = await client.query_consumer_offset(group, topic, queue.queue_id)
        if committed is not None:
            return queue, committed
        return queue, await client.get_max_offset(topic, queue.queue_id)
    except RemotingError as exc:
        raise MqTestError(f"cannot read the start offset of {queue}: {exc}") from None


async def _run_until_done(
    state: _State, readers: list[Awaitable[None]], idle_timeout: float, timeout: float | None
) -> str:
    began = time.monotonic()
    tasks = [asyncio.ensure_future(r) for r in readers]
    try:
        while True:
            failed = next((t for t in tasks if t.done() and not t.cancelled() and t.exception()), None)
            if failed is not None:
                raise failed.exception()  # type: ignore[misc]
            if state.done.is_set():
                return "count"
            now = time.monotonic()
            if timeout is not None and now - began >= timeout:
                return "timeout"
            if now - state.last_message >= idle_timeout:
                return "idle"
            try:
                await asyncio.wait_for(state.done.wait(), 0.1)
            except TimeoutError:
                pass
    finally:
        state.done.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _commit(
    clients: dict[str, BrokerClient],
    addrs: dict[str, str],
    group: str,
    topic: str,
    starts: dict[Queue, int],
    positions: dict[Queue, int],
    notes: list[str],
) -> bool:
    """Store the group's offsets of every queue that advanced (at the broker we read from)."""
    ok = True
    for queue, pos in positions.items():
        if pos == starts[queue]:
            continue
        try:
            await clients[addrs[queue.broker_name]].update_consumer_offset(group, topic, queue.queue_id, pos)
        except RemotingError as exc:
            ok = False
            notes.append(f"committing the offset of {queue} failed: {exc}")
    return ok


async def commit_offsets(
    namesrvs: Sequence[str],
    offsets: dict[Queue, int],
    topic: str,
    group: str,
    *,
    proxy: ProxyTarget | None = None,
    connector: Connector | None = None,
    timeout: float = 5.0,
) -> None:
    """Set `group`'s committed offset of each queue (through `proxy` when given), so a consumer of
    the group starts exactly there — e.g. the official client reading back one produce run."""
    lookup = await route_via(namesrvs, topic, proxy, connector=connector, timeout=timeout)
    if lookup.route is None:
        raise MqTestError(f"topic {topic} has no route at {lookup.answered_by}")
    _, addrs = read_queues(lookup.route)
    remotings: dict[str, RemotingClient] = {}
    try:
        for q, offset in sorted(offsets.items()):
            addr = addrs.get(q.broker_name)
            if addr is None:
                raise MqTestError(f"{q} is not readable any more; cannot set {group}'s offset there")
            remoting = remotings.setdefault(addr, RemotingClient(addr, connector=connector, timeout=timeout))
            client = BrokerClient(addr, client=remoting, broker_name=q.broker_name if proxy and proxy.addr else None)
            try:
                await client.update_consumer_offset(group, topic, q.queue_id, offset)
            except RemotingError as exc:
                raise MqTestError(f"setting {group}'s offset of {q} to {offset} failed: {exc}") from None
    finally:
        await asyncio.gather(*(c.close() for c in remotings.values()), return_exceptions=True)
