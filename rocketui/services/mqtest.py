"""Produce test: send N numbered messages to a topic and record where each one was stored.

`ProduceRun(spec, namesrvs).run()` resolves the route (next namesrv when one is down), creates
the topic when asked to (or lets a broker auto-create it through TBW102, as the Java client
does), records every queue's max offset, then round-robins over the writable queues with
BrokerClient.send_v2 (or oneway frames). Every message carries the run id and its sequence
number in the properties `rui_run` / `rui_seq` and in its body, so `mqtest_verify` can pull
them back and say exactly which are missing or duplicated. Progress goes to a callback;
`stop()` ends the run gracefully (in-flight sends finish), cancelling `run()` ends it at once
and closes every connection.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum

from rocketui.rocketmq.remoting.blocking import BlockingChannel
from rocketui.rocketmq.remoting.broker import DEFAULT_TOPIC, SEND_CODES, BrokerClient, send_v2_request, send_v2_result
from rocketui.rocketmq.remoting.client import Connector, RemotingClient
from rocketui.rocketmq.remoting.codes import RequestCode, ResponseCode
from rocketui.rocketmq.remoting.errors import ConnectFailed, ConnectionLost, RemotingError, RemotingTimeout
from rocketui.rocketmq.remoting.message import PROP_KEYS, PROP_TAGS, PROP_UNIQ_KEY, new_unique_msg_id
from rocketui.rocketmq.remoting.namesrv import cluster_info_from_any
from rocketui.services.admin_clients import AdminError, BrokerGroup
from rocketui.services.mq_route import (
    MqTestError,
    ProxyTarget,
    Queue,
    RouteLookup,
    read_queues,
    route_via,
    write_queues,
)
from rocketui.services.mq_transport import coalescing
from rocketui.services.mqtest_retry import retry_queue, retryable
from rocketui.services.mqtest_stats import LatencyHistogram, LatencySummary, RateWindow
from rocketui.services.topic_replicas import TopicSpec, create_in_groups

PERM_INHERIT = 0x1  # a topic whose config new topics may copy (TBW102 with autoCreateTopicEnable)
PROP_RUN = "rui_run"
PROP_SEQ = "rui_seq"
ROUTE_WAIT = 30.0  # a created topic reaches the namesrv with the broker's next registration
# After a broker's connection failed (it died; the controllers may elect another master), the route
# is asked again — at most this often — and sends go to the master it names, as the Java client does.
ROUTE_REFRESH = 0.5


class SendMode(StrEnum):
    SYNC = "sync"  # one message at a time
    ASYNC = "async"  # `in_flight` concurrent sends
    ONEWAY = "oneway"  # fire and forget: no acknowledgement, no latency


class ErrorKind(StrEnum):
    BUSY = "broker busy"
    UNAVAILABLE = "service not available"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TOPIC_MISSING = "topic missing"
    NO_PERMISSION = "no permission"
    ILLEGAL = "message illegal"
    OTHER = "other"


_CODE_KINDS = {
    ResponseCode.SYSTEM_BUSY: ErrorKind.BUSY,
    ResponseCode.FLOW_CONTROL: ErrorKind.BUSY,
    ResponseCode.SERVICE_NOT_AVAILABLE: ErrorKind.UNAVAILABLE,
    ResponseCode.TOPIC_NOT_EXIST: ErrorKind.TOPIC_MISSING,
    ResponseCode.NO_PERMISSION: ErrorKind.NO_PERMISSION,
    ResponseCode.MESSAGE_ILLEGAL: ErrorKind.ILLEGAL,
}
_HINTS = {
    ErrorKind.BUSY: "the broker is shedding load (send queue full or page cache busy): lower --rate or --inflight",
    ErrorKind.UNAVAILABLE: "the broker refuses writes: usually its disk is full (commit log disk ratio above "
    "diskSpaceWarningLevelRatio, default 0.90), or it is a slave or shutting down",
    ErrorKind.TOPIC_MISSING: "the topic does not exist on this broker and it does not auto-create topics "
    "(autoCreateTopicEnable=false): create the topic first",
    ErrorKind.NO_PERMISSION: "the topic or broker is not writable (perm), or an ACL denies it",
    ErrorKind.ILLEGAL: "body or properties too large for the broker (maxMessageSize, default 4 MiB)",
    ErrorKind.TIMEOUT: "no answer within the send timeout: the broker is overloaded or unreachable",
}
# Fatal at the first occurrence: every later message would fail the same way.
_FATAL = (ErrorKind.TOPIC_MISSING, ErrorKind.ILLEGAL)


def classify_error(exc: BaseException) -> tuple[ErrorKind, str]:
    """(kind, message with a hint) of a failed send."""
    if isinstance(exc, RemotingTimeout):
        kind = ErrorKind.TIMEOUT
    elif isinstance(exc, ConnectionLost):
        return ErrorKind.CONNECTION, str(exc)
    elif isinstance(exc, RemotingError) and exc.code is not None:
        kind = next((k for code, k in _CODE_KINDS.items() if code == exc.code), ErrorKind.OTHER)
    else:
        return ErrorKind.OTHER, str(exc) or type(exc).__name__
    hint = _HINTS.get(kind)
    return kind, f"{exc} — {hint}" if hint else str(exc)


@dataclass(frozen=True)
class TopicCreation:
    """Where to create the topic when it is missing: every master of `cluster`, or the master
    of broker name `broker`."""

    cluster: str | None = None
    broker: str | None = None
    queues: int = 4


@dataclass(frozen=True)
class ProduceSpec:
    topic: str = "TopicTest"
    count: int = 1000
    body_size: int = 128
    tag: str | None = None
    keys: tuple[str, ...] = ()
    mode: SendMode = SendMode.SYNC
    in_flight: int = 32  # async only
    rate: float | None = None  # messages/s over the whole run; None = as fast as possible
    create: TopicCreation | None = None
    producer_group: str = "rocketui_mqtest"
    send_timeout: float = 3.0  # for every attempt of one message together, as in the Java client
    retries: int = 2  # sends again after a failed attempt (see mqtest_retry); oneway never retries
    max_consecutive_errors: int = 50  # give up after this many failures in a row

    def problems(self) -> list[str]:
        out = []
        if not self.topic or any(c.isspace() for c in self.topic) or len(self.topic) > 127:
            out.append(f"topic {self.topic!r} must be 1-127 characters without whitespace")
        if self.count < 1:
            out.append(f"count must be at least 1, got {self.count}")
        if not 1 <= self.body_size <= 4 * 1024 * 1024:
            out.append(f"body size must be 1..4194304 bytes, got {self.body_size}")
        if self.mode is SendMode.ASYNC and self.in_flight < 1:
            out.append(f"in-flight must be at least 1, got {self.in_flight}")
        if self.rate is not None and self.rate <= 0:
            out.append(f"rate must be positive, got {self.rate}")
        if any(not k or any(c.isspace() for c in k) for k in self.keys):
            out.append("keys must be non-empty and without whitespace (KEYS is space-separated)")
        if self.create and not (self.create.cluster or self.create.broker):
            out.append("topic creation needs a cluster or a broker name")
        if self.create and not 1 <= self.create.queues <= 1024:
            out.append(f"queue count must be 1..1024, got {self.create.queues}")
        if self.send_timeout <= 0:
            out.append("send timeout must be positive")
        if not 0 <= self.retries <= 16:
            out.append(f"retries must be 0..16, got {self.retries}")
        return out

    @property
    def workers(self) -> int:
        return self.in_flight if self.mode is SendMode.ASYNC else 1


def message_body(run_id: str, seq: int, size: int) -> bytes:
    """`<run>:<seq>:` then dots up to `size` bytes (cut when size is smaller)."""
    head = f"{run_id}:{seq}:".encode()
    return head[:size] if size <= len(head) else head + b"." * (size - len(head))


def new_run_id() -> str:
    return f"{time.strftime('%H%M%S')}-{secrets.token_hex(3)}"


class AckLog:
    """Where each acknowledged sequence number was stored (queue index, queue offset), in two
    flat arrays so a million-message run costs ~12 MB."""

    def __init__(self, count: int, queues: Sequence[Queue]) -> None:
        self.queues = list(queues)
        self._index = {q: i for i, q in enumerate(self.queues)}
        self._queue = array("i", [-1]) * count
        self._offset = array("q", [-1]) * count
        self.count = 0

    def record(self, seq: int, queue: Queue, offset: int) -> None:
        index = self._index.get(queue)
        if index is None:
            index = self._index[queue] = len(self.queues)
            self.queues.append(queue)
        if self._queue[seq] < 0:
            self.count += 1
        self._queue[seq] = index
        self._offset[seq] = offset

    def get(self, seq: int) -> tuple[Queue, int] | None:
        index = self._queue[seq]
        return None if index < 0 else (self.queues[index], self._offset[seq])

    def acked(self, seq: int) -> bool:
        return self._queue[seq] >= 0

    def ends(self) -> dict[Queue, int]:
        """Per queue: one past the highest acknowledged offset."""
        out: dict[Queue, int] = {}
        for index, offset in zip(self._queue, self._offset, strict=False):
            if index >= 0:
                q = self.queues[index]
                if offset + 1 > out.get(q, 0):
                    out[q] = offset + 1
        return out


class Phase(StrEnum):
    ROUTE = "route"
    CREATE = "creating topic"
    OFFSETS = "offsets"
    SEND = "sending"
    DONE = "done"


@dataclass(frozen=True)
class ProduceProgress:
    run_id: str
    topic: str
    mode: SendMode
    phase: Phase
    requested: int
    attempted: int
    sent: int  # acknowledged as stored (sync/async) or written to the socket (oneway)
    errors: dict[str, int]  # ErrorKind value → count
    last_error: str | None
    in_flight: int
    elapsed: float  # seconds since sending started
    rate: float  # sent/s since sending started
    recent_rate: float  # sent/s over the last ~2 s
    latency: LatencySummary | None  # None for oneway
    per_broker: dict[str, int]
    per_queue: dict[str, int]  # "broker[q]" → sent
    statuses: dict[str, int]  # SEND_OK / FLUSH_DISK_TIMEOUT / ... → count
    finished: bool = False
    retried: dict[str, int] = field(default_factory=dict)  # ErrorKind value → attempts sent again

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "topic": self.topic,
            "mode": self.mode.value,
            "phase": self.phase.value,
            "requested": self.requested,
            "attempted": self.attempted,
            "sent": self.sent,
            "failed": self.failed,
            "errors": self.errors,
            "last_error": self.last_error,
            "elapsed_s": round(self.elapsed, 3),
            "rate": round(self.rate, 1),
            "latency": self.latency.to_json() if self.latency else None,
            "per_broker": self.per_broker,
            "per_queue": self.per_queue,
            "statuses": self.statuses,
            "retried": self.retried,
        }


@dataclass(frozen=True)
class ProduceReport:
    spec: ProduceSpec
    run_id: str
    progress: ProduceProgress  # the final counters
    namesrv: str  # the namesrv whose route was used
    notes: tuple[str, ...]  # namesrvs skipped, topic created, ...
    start_offsets: dict[Queue, int]  # every readable queue's max offset before the first send
    acks: AckLog
    stopped: bool = False  # stop() was called
    aborted: str | None = None  # why the run gave up early
    # seq → attempts whose connection broke after the request may have been written and that
    # were sent again: each may have stored a copy (at-least-once, as with the Java client)
    unsure: Mapping[int, int] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        """Messages that should be in the topic: acknowledged ones (written ones for oneway)."""
        return self.progress.sent

    def to_json(self) -> dict[str, object]:
        return {
            **self.progress.to_json(),
            "namesrv": self.namesrv,
            "notes": list(self.notes),
            "stopped": self.stopped,
            "aborted": self.aborted,
        }


ProgressCallback = Callable[[ProduceProgress], object]


class ProduceRun:
    def __init__(
        self,
        spec: ProduceSpec,
        namesrvs: Sequence[str],
        *,
        connector: Connector | None = None,
        on_progress: ProgressCallback | None = None,
        progress_interval: float = 0.5,
        run_id: str | None = None,
        timeout: float = 3.0,
        proxy: ProxyTarget | None = None,
    ) -> None:
        problems = spec.problems()
        if problems:
            raise ValueError("; ".join(problems))
        self.spec = spec
        self.namesrvs = list(namesrvs)
        self.connector = connector
        self.on_progress = on_progress
        self.progress_interval = progress_interval
        self.run_id = run_id or new_run_id()
        self.timeout = timeout  # namesrv and offset requests
        # several frames per loop iteration (async, oneway): send them together; a lone sync
        # frame would only wait one iteration longer
        batched = spec.workers > 1 or spec.mode is SendMode.ONEWAY
        self._broker_connector = coalescing(connector) if batched else connector
        self.proxy = proxy  # send and read through this proxy's remoting port
        self._clients: dict[tuple[str, str | None], BrokerClient] = {}
        self._remotings: dict[str, RemotingClient] = {}  # one connection per address
        self._phase = Phase.ROUTE
        self._next_seq = 0
        self._attempted = 0
        self._sent = 0
        self._in_flight = 0
        self._errors: dict[str, int] = {}  # messages whose last attempt failed, by kind
        self._retried: dict[str, int] = {}  # failed attempts that were sent again, by kind
        self._unsure: dict[int, int] = {}  # seq → resent attempts that may have been stored
        self._last_error: str | None = None
        self._consecutive_errors = 0
        self._statuses: dict[str, int] = {}
        self._per_queue: dict[Queue, int] = {}
        self._latency = LatencyHistogram()
        self._window = RateWindow()
        self._send_started: float | None = None
        self._send_ended: float | None = None
        self._stopping = False
        self._aborted: str | None = None
        self._notes: list[str] = []
        self._acks: AckLog | None = None
        self._queues: list[Queue] = []
        self._masters: dict[str, str] = {}  # broker name → master address (from the route)
        self._properties: dict[str, str] = {}
        self._last_exc: BaseException | None = None
        self._refreshing: asyncio.Task[None] | None = None
        self._refreshed_at = 0.0
        self._blocking: dict[str, BlockingChannel] = {}  # the sync sender's sockets, by address
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._cancelled = False
        self._wake = threading.Event()  # stop() cuts a blocking sender's rate wait short

    # ---------------------------------------------------------------- public
    def stop(self) -> None:
        """Stop issuing sends; `run()` returns once the in-flight ones are answered."""
        self._stopping = True
        self._wake.set()

    def progress(self) -> ProduceProgress:
        now = time.monotonic()
        start = self._send_started
        elapsed = ((self._send_ended or now) - start) if start is not None else 0.0
        per_queue = dict(self._per_queue)  # one copy: the blocking sender may add a queue meanwhile
        per_broker: dict[str, int] = {}
        for q, n in per_queue.items():
            per_broker[q.broker_name] = per_broker.get(q.broker_name, 0) + n
        return ProduceProgress(
            run_id=self.run_id,
            topic=self.spec.topic,
            mode=self.spec.mode,
            phase=self._phase,
            requested=self.spec.count,
            attempted=self._attempted,
            sent=self._sent,
            errors=dict(self._errors),
            last_error=self._last_error,
            in_flight=self._in_flight,
            elapsed=elapsed,
            rate=self._sent / elapsed if elapsed > 0 else 0.0,
            recent_rate=self._window.rate(),
            latency=self._latency.summary(),
            per_broker=dict(sorted(per_broker.items())),
            per_queue={str(q): n for q, n in sorted(per_queue.items())},
            statuses=dict(self._statuses),
            finished=self._phase is Phase.DONE,
            retried=dict(self._retried),
        )

    async def run(self) -> ProduceReport:
        self._loop, self._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        try:
            lookup = await self._route()
            self._set_phase(Phase.OFFSETS)
            start_offsets = await self._start_offsets(lookup)
            self._set_phase(Phase.SEND)
            await self._send_all()
            self._phase = Phase.DONE
            final = self.progress()
            self._emit(final)
            assert self._acks is not None
            return ProduceReport(
                spec=self.spec,
                run_id=self.run_id,
                progress=final,
                namesrv=lookup.answered_by,
                notes=tuple(self._notes),
                start_offsets=start_offsets,
                acks=self._acks,
                stopped=self._stopping and self._aborted is None,
                aborted=self._aborted,
                unsure=dict(self._unsure),
            )
        finally:
            if self._refreshing is not None:
                self._refreshing.cancel()
                await asyncio.gather(self._refreshing, return_exceptions=True)
            self._clients = {}
            for channel in self._blocking.values():
                channel.close()
            remotings, self._remotings = self._remotings, {}
            await asyncio.gather(*(c.close() for c in remotings.values()), return_exceptions=True)

    # ---------------------------------------------------------------- route
    def _client(self, addr: str, broker_name: str | None = None) -> BrokerClient:
        """The client of a broker address — or, through a proxy, of one broker behind it (all
        broker names share the proxy's one connection)."""
        via = broker_name if self.proxy is not None and self.proxy.addr else None
        client = self._clients.get((addr, via))
        if client is None:
            remoting = self._remotings.get(addr)
            if remoting is None:
                remoting = self._remotings[addr] = RemotingClient(
                    addr, connector=self._broker_connector, timeout=self.spec.send_timeout
                )
            client = self._clients[(addr, via)] = BrokerClient(addr, client=remoting, broker_name=via)
        return client

    async def _lookup(self, topic: str) -> RouteLookup:
        lookup = await route_via(self.namesrvs, topic, self.proxy, connector=self.connector, timeout=self.timeout)
        for note in lookup.notes:
            text = f"namesrv skipped: {note}"
            if text not in self._notes and "no route for topic" not in note:
                self._notes.append(text)
        return lookup

    def _set_phase(self, phase: Phase) -> None:
        self._phase = phase
        self._emit(self.progress())

    async def _route(self) -> RouteLookup:
        self._emit(self.progress())
        lookup = await self._lookup(self.spec.topic)
        if lookup.route is None:
            if self.spec.create is not None:
                self._set_phase(Phase.CREATE)
                await self._create_topic(self.spec.create)
            elif self.proxy is not None:
                raise MqTestError(
                    f"topic {self.spec.topic} does not exist (asked through proxy {self.proxy.node}); a proxy "
                    "creates no topics: create it first, e.g. produce --create"
                )
            else:
                await self._auto_create()
            lookup = await self._wait_route()
        assert lookup.route is not None
        self._queues, self._masters = write_queues(lookup.route)
        if self._acks is None:
            self._acks = AckLog(self.spec.count, self._queues)
        return lookup

    async def _create_topic(self, where: TopicCreation) -> None:
        info, errors = await cluster_info_from_any(self.namesrvs, self.connector, self.timeout)
        if not info.brokers:
            raise MqTestError(
                "cannot create the topic: no namesrv listed any broker ("
                + "; ".join(e for e in errors.values() if e)
                + ")"
            )
        if where.broker:
            data = info.brokers.get(where.broker)
            if data is None:
                raise MqTestError(
                    f"cannot create topic {self.spec.topic}: no broker named {where.broker} is "
                    f"registered (known: {', '.join(sorted(info.brokers))})"
                )
            targets = [data]
        else:
            names = info.clusters.get(where.cluster or "")
            if not names:
                raise MqTestError(
                    f"cannot create topic {self.spec.topic}: no cluster named {where.cluster} is "
                    f"registered (known: {', '.join(sorted(info.clusters)) or 'none'})"
                )
            targets = [info.brokers[n] for n in names if n in info.brokers]
        masters = [(d.broker_name, d.master_addr) for d in targets if d.master_addr]
        if not masters:
            raise MqTestError(
                f"cannot create topic {self.spec.topic}: no master registered for "
                + ", ".join(d.broker_name for d in targets)
            )
        groups = [BrokerGroup.from_data(d) for d in targets if d.master_addr]
        spec = TopicSpec(self.spec.topic, where.queues, where.queues)
        steps: list[str] = []
        try:  # masters and their slaves: a failover right after creation still finds the topic
            await create_in_groups(self._client, spec, groups, steps)
        except (RemotingError, AdminError) as exc:
            raise MqTestError(f"creating topic {self.spec.topic} failed: {exc}") from None
        slaves = sum(len(g.slaves) for g in groups)
        self._notes.append(
            f"created topic {self.spec.topic} with {where.queues} queues on "
            + ", ".join(name for name, _ in masters)
            + (f" and {slaves} slave(s), confirmed" if slaves else "")
        )

    async def _auto_create(self) -> None:
        """Send message 0 through a broker that lists TBW102 with defaultTopic=TBW102: the broker
        creates the topic (autoCreateTopicEnable) and registers it at the namesrvs."""
        tbw = await self._lookup(DEFAULT_TOPIC)
        inheritable = [q for q in tbw.route.queues if q.perm & PERM_INHERIT] if tbw.route else []
        if tbw.route is None or not inheritable:
            why = (
                f"no {DEFAULT_TOPIC} route"
                if tbw.route is None
                else f"{DEFAULT_TOPIC} has no inherit permission on any broker"
            )
            raise MqTestError(
                f"topic {self.spec.topic} does not exist (namesrv {tbw.answered_by}) and no broker "
                f"auto-creates topics ({why}: autoCreateTopicEnable=false); create it first, "
                "e.g. produce --create-on CLUSTER"
            )
        try:
            queues, masters = write_queues(replace(tbw.route, queues=inheritable))
        except MqTestError as exc:
            raise MqTestError(f"topic {self.spec.topic} does not exist and cannot be auto-created: {exc}") from None
        queue = Queue(queues[0].broker_name, 0)
        self._set_phase(Phase.CREATE)
        self._mark_send_start()
        self._acks = AckLog(self.spec.count, [queue])
        ok = await self._send_one(0, queue, masters[queue.broker_name], retries=0)
        if not ok:
            kind, message = classify_error(self._last_exc or RuntimeError("send failed"))
            if kind is ErrorKind.TOPIC_MISSING:
                raise MqTestError(
                    f"topic {self.spec.topic} does not exist and broker {queue.broker_name} refused "
                    "to auto-create it (autoCreateTopicEnable=false, or it was switched off at run "
                    f"time since the broker started, which strips {DEFAULT_TOPIC}'s inherit permission "
                    "until a restart); create the topic first, e.g. produce --create-on CLUSTER "
                    f"({self._last_exc})"
                )
            raise MqTestError(f"auto-creating topic {self.spec.topic} through {queue.broker_name} failed: {message}")
        self._next_seq = 1
        self._notes.append(f"topic {self.spec.topic} auto-created by broker {queue.broker_name}")

    async def _wait_route(self) -> RouteLookup:
        deadline = time.monotonic() + ROUTE_WAIT
        while True:
            lookup = await self._lookup(self.spec.topic)
            if lookup.route is not None and lookup.route.queues:
                return lookup
            if time.monotonic() > deadline:
                raise MqTestError(
                    f"topic {self.spec.topic} was created but no namesrv has its route after "
                    f"{ROUTE_WAIT:.0f}s (is the broker registered at {', '.join(self.namesrvs)}?)"
                )
            await asyncio.sleep(0.1)

    async def _start_offsets(self, lookup: RouteLookup) -> dict[Queue, int]:
        assert lookup.route is not None
        queues, addrs = read_queues(lookup.route)
        if self._next_seq > 0:  # auto-created just now: the topic started empty
            return {q: 0 for q in queues}

        async def one(q: Queue) -> tuple[Queue, int]:
            addr = addrs[q.broker_name]
            try:
                return q, await self._client(addr, q.broker_name).get_max_offset(self.spec.topic, q.queue_id)
            except RemotingError as exc:
                raise MqTestError(f"cannot read the offsets of {q} before the run: {exc}") from None

        return dict(await asyncio.gather(*(one(q) for q in queues)))

    # ---------------------------------------------------------------- sending
    def _mark_send_start(self) -> None:
        if self._send_started is None:
            self._send_started = time.monotonic()
            self._window.add(self._send_started, 0)
        base = {PROP_RUN: self.run_id}
        if self.spec.tag:
            base[PROP_TAGS] = self.spec.tag
        if self.spec.keys:
            base[PROP_KEYS] = " ".join(self.spec.keys)
        self._properties = base

    async def _send_all(self) -> None:
        self._mark_send_start()
        ticker = asyncio.create_task(self._tick(), name=f"produce-progress {self.run_id}")
        try:
            if self._direct_sync:
                await self._run_blocking()
            else:
                async with asyncio.TaskGroup() as group:
                    for _ in range(self.spec.workers):
                        group.create_task(self._worker())
        finally:
            self._send_ended = time.monotonic()
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.progress_interval)
            self._window.add(time.monotonic(), self._sent)
            self._emit(self.progress())

    def _emit(self, progress: ProduceProgress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)

    def _turn(self, started: float) -> tuple[int, float] | None:
        """The next message to send and how long to wait for its turn at the spec's rate; None
        when the run is done or stopped."""
        if self._stopping or self._next_seq >= self.spec.count:
            return None
        seq = self._next_seq
        self._next_seq += 1
        rate = self.spec.rate
        return seq, (started + seq / rate - time.monotonic()) if rate else 0.0

    async def _worker(self) -> None:
        spec = self.spec
        queues = self._queues
        addrs = self._masters
        started = self._send_started or time.monotonic()
        while (turn := self._turn(started)) is not None:
            seq, delay = turn
            if delay > 0:
                await asyncio.sleep(delay)
            queue = queues[seq % len(queues)]
            await self._send_one(seq, queue, addrs[queue.broker_name])
            if spec.mode is SendMode.ONEWAY and seq % 64 == 63:
                await asyncio.sleep(0)  # a oneway write rarely waits: let progress and batching run

    async def _send_one(self, seq: int, queue: Queue, addr: str, *, retries: int | None = None) -> bool:
        """Send message `seq`, again on another queue after a retryable failure (mqtest_retry)
        while attempts and the send timeout last; count it once, as stored or as failed."""
        spec = self.spec
        props, body = self._message(seq)
        left = 0 if spec.mode is SendMode.ONEWAY else spec.retries if retries is None else retries
        self._attempted += 1
        self._in_flight += 1
        t0 = time.perf_counter()
        try:
            while True:
                try:
                    status, offset = await self._attempt(addr, queue, props, body, t0)
                    break
                except RemotingError as exc:
                    following = self._after_failure(seq, exc, left, t0, queue, addr)
                    if following is None:
                        return False
                    left -= 1
                    queue, addr = following
        finally:
            self._in_flight -= 1
        self._acked(seq, queue, offset, status, None if spec.mode is SendMode.ONEWAY else time.perf_counter() - t0)
        return True

    def _message(self, seq: int) -> tuple[dict[str, str], bytes]:
        """Properties and body of message `seq`: one message id for all its attempts, as in Java."""
        props = dict(self._properties)
        props[PROP_SEQ] = str(seq)
        props[PROP_UNIQ_KEY] = new_unique_msg_id()
        return props, message_body(self.run_id, seq, self.spec.body_size)

    def _after_failure(
        self, seq: int, exc: RemotingError, left: int, t0: float, queue: Queue, addr: str
    ) -> tuple[Queue, str] | None:
        """After a failed attempt: the queue and address of the next one (mqtest_retry), or None
        when the message has failed (counted here)."""
        budget = self.spec.send_timeout - (time.perf_counter() - t0)
        if left <= 0 or budget <= 0 or not retryable(exc, sync=self.spec.mode is SendMode.SYNC):
            self._last_exc = exc
            self._record_error(exc)
            return None
        self._retry_noted(seq, exc)
        queue = retry_queue(self._queues, queue)
        return queue, self._masters.get(queue.broker_name, addr)

    # ---------------------------------------------------------------- sync mode on blocking sockets
    @property
    def _direct_sync(self) -> bool:
        """Sync mode straight to the brokers: one message at a time in a thread of its own on
        blocking sockets (remoting/blocking: why).  Tunnels and proxies keep the asyncio client."""
        return self.spec.mode is SendMode.SYNC and self.connector is None and self.proxy is None

    async def _run_blocking(self) -> None:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(1, thread_name_prefix=f"produce-{self.run_id}") as pool:
            work = loop.run_in_executor(pool, self._blocking_worker)
            try:
                await asyncio.shield(work)
            except asyncio.CancelledError:
                self._cancelled = self._stopping = True
                self._wake.set()
                for channel in list(self._blocking.values()):
                    channel.close()  # wakes a send waiting for its answer
                await asyncio.gather(work, return_exceptions=True)
                raise

    def _blocking_worker(self) -> None:
        """`_worker`, in the sender's thread."""
        started = self._send_started or time.monotonic()
        while (turn := self._turn(started)) is not None:
            seq, delay = turn
            if delay > 0 and self._wake.wait(delay):
                return  # stopped while waiting: this message was not sent
            queue = self._queues[seq % len(self._queues)]
            self._send_one_blocking(seq, queue, self._masters[queue.broker_name])

    def _send_one_blocking(self, seq: int, queue: Queue, addr: str) -> None:
        """`_send_one` on a blocking socket: the same attempts, retries and counts."""
        spec = self.spec
        props, body = self._message(seq)
        left = spec.retries
        self._attempted += 1
        self._in_flight += 1
        t0 = time.perf_counter()
        try:
            while True:
                try:
                    status, offset = self._attempt_blocking(addr, queue, props, body, t0)
                    break
                except RemotingError as exc:
                    if self._cancelled:
                        return
                    following = self._after_failure(seq, exc, left, t0, queue, addr)
                    if following is None:
                        return
                    left -= 1
                    queue, addr = following
        finally:
            self._in_flight -= 1
        self._acked(seq, queue, offset, status, time.perf_counter() - t0)

    def _attempt_blocking(
        self, addr: str, queue: Queue, props: dict[str, str], body: bytes, t0: float
    ) -> tuple[str, int]:
        """`_attempt` in sync mode on the address's blocking channel."""
        spec = self.spec
        header, data, msg_id = send_v2_request(
            spec.topic, body, properties=props, queue_id=queue.queue_id, producer_group=spec.producer_group
        )
        channel = self._blocking.get(addr)
        if channel is None:
            channel = self._blocking[addr] = BlockingChannel(addr, connect_timeout=spec.send_timeout)
        timeout = max(spec.send_timeout - (time.perf_counter() - t0), 0.001)
        response = channel.invoke(RequestCode.SEND_MESSAGE_V2, header, data, timeout=timeout, expect=SEND_CODES)
        result = send_v2_result(addr, response, spec.topic, msg_id)
        return result.status.value, result.queue_offset

    async def _attempt(self, addr: str, queue: Queue, props: dict[str, str], body: bytes, t0: float) -> tuple[str, int]:
        """One attempt of a message: (send status, queue offset); oneway: ("WRITTEN", -1).  A
        sync or async attempt gets what is left of the send timeout started at `t0`."""
        spec = self.spec
        client = self._client(addr, queue.broker_name)
        if spec.mode is SendMode.ONEWAY:
            await client.send_oneway(
                spec.topic, body, properties=props, queue_id=queue.queue_id, producer_group=spec.producer_group
            )
            return "WRITTEN", -1
        result = await client.send_v2(
            spec.topic,
            body,
            properties=props,
            queue_id=queue.queue_id,
            producer_group=spec.producer_group,
            timeout=max(spec.send_timeout - (time.perf_counter() - t0), 0.001),
        )
        return result.status.value, result.queue_offset

    def _retry_noted(self, seq: int, exc: RemotingError) -> None:
        if isinstance(exc, ConnectionLost) and not isinstance(exc, ConnectFailed):
            self._unsure[seq] = self._unsure.get(seq, 0) + 1  # the broker may have stored it
        kind, _ = classify_error(exc)
        self._retried[kind.value] = self._retried.get(kind.value, 0) + 1
        if kind is ErrorKind.CONNECTION and self._phase is Phase.SEND and not self._relayed:
            self._refresh_route_soon()

    def _acked(self, seq: int, queue: Queue, offset: int, status: str, seconds: float | None) -> None:
        """Count one stored (oneway: written) message; `seconds` is its latency (None: oneway)."""
        if seconds is not None:
            self._latency.record(seconds)
            assert self._acks is not None
            self._acks.record(seq, queue, offset)
        self._consecutive_errors = 0
        self._sent += 1
        self._statuses[status] = self._statuses.get(status, 0) + 1
        self._per_queue[queue] = self._per_queue.get(queue, 0) + 1

    def _record_error(self, exc: BaseException) -> None:
        kind, message = classify_error(exc)
        self._errors[kind.value] = self._errors.get(kind.value, 0) + 1
        self._last_error = message
        self._consecutive_errors += 1
        if self._phase is Phase.SEND and self._aborted is None:
            if kind in _FATAL:
                self._abort(message)
            elif self._consecutive_errors >= self.spec.max_consecutive_errors:
                self._abort(f"{self._consecutive_errors} sends in a row failed; last: {message}")
        if kind in (ErrorKind.CONNECTION, ErrorKind.TIMEOUT) and self._phase is Phase.SEND and not self._relayed:
            self._refresh_route_soon()

    @property
    def _relayed(self) -> bool:
        """Sends go to a proxy's remoting port, which finds the master itself."""
        return self.proxy is not None and self.proxy.addr is not None

    def _refresh_route_soon(self) -> None:
        if threading.get_ident() != self._loop_thread and self._loop is not None:
            self._loop.call_soon_threadsafe(self._refresh_route_soon)  # asked by the blocking sender
            return
        if self._refreshing is not None and not self._refreshing.done():
            return
        if time.monotonic() - self._refreshed_at < ROUTE_REFRESH:
            return
        self._refreshed_at = time.monotonic()
        self._refreshing = asyncio.get_running_loop().create_task(self._refresh_route())

    async def _refresh_route(self) -> None:
        """Ask the route again and send to the masters it names now (the queues stay the ones
        of the first route, so every message keeps its place in the read-back)."""
        try:
            lookup = await self._lookup(self.spec.topic)
            if lookup.route is None:
                return
            _, masters = write_queues(lookup.route)
        except (MqTestError, RemotingError):
            return
        for name, addr in masters.items():
            if name in self._masters and self._masters[name] != addr:
                self._masters[name] = addr  # the workers read this dict: the next send goes there
                self._notes.append(f"{name}: sends now go to {addr} (its master after a send to the old one failed)")

    def _abort(self, reason: str) -> None:
        self._aborted = reason
        self._stopping = True
