"""The distribution's own quickstart clients, run on a node's host: `bin/tools.sh
org.apache.rocketmq.example.quickstart.Producer` (sends its fixed 1000 messages to TopicTest,
one `SendResult [sendStatus=SEND_OK, …]` line each) and `…quickstart.Consumer` (a push
consumer that never exits: stopped here after N messages or a timeout). NAMESRV_ADDR is the
cluster's namesrv list; each output line is streamed to a callback as it comes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from rocketui.backends.base import Backend, Command, HostPool
from rocketui.model.cluster import BackendKind, Cluster

PRODUCER_CLASS = "org.apache.rocketmq.example.quickstart.Producer"
CONSUMER_CLASS = "org.apache.rocketmq.example.quickstart.Consumer"
PRODUCER_MESSAGES = 1000  # MESSAGE_COUNT, fixed in the example (no option to change it)

_SEND_RESULT = re.compile(r"SendResult \[sendStatus=(\w+)")
EXAMPLE_JAR = re.compile(r"rocketmq-example-.+\.jar")


class QuickstartUnavailable(Exception):
    """The distribution has no quickstart classes (no rocketmq-example jar): nothing was run."""


_EXCEPTION = re.compile(r"^[\w.$]+(?:Exception|Error)\b")
_RECEIVED = "MessageExt ["


class Which(StrEnum):
    PRODUCER = "producer"
    CONSUMER = "consumer"


@dataclass(frozen=True)
class QuickstartResult:
    which: Which
    host: str
    command: str  # as the backend shows it
    send_ok: int  # producer: SEND_OK lines
    send_failed: int  # producer: other send statuses and exception lines
    received: int  # consumer: messages printed
    lines: int
    exit_status: int | None  # None when rocketui stopped it
    stopped: str | None  # "count" | "timeout" | None (exited by itself)
    duration: float

    @property
    def ok(self) -> bool:
        if self.which is Which.PRODUCER:
            return self.exit_status == 0 and self.send_ok == PRODUCER_MESSAGES and self.send_failed == 0
        return self.stopped == "count"

    def summary(self) -> str:
        what = (
            f"SEND_OK {self.send_ok}, failed {self.send_failed}"
            if self.which is Which.PRODUCER
            else f"received {self.received}"
        )
        return (
            f"quickstart {self.which.value}: {what}; {self.lines} lines, {self.duration:.1f}s, exit {self.exit_status}"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "which": self.which.value,
            "host": self.host,
            "command": self.command,
            "send_ok": self.send_ok,
            "send_failed": self.send_failed,
            "received": self.received,
            "lines": self.lines,
            "exit_status": self.exit_status,
            "stopped": self.stopped,
            "duration_s": round(self.duration, 3),
            "ok": self.ok,
        }


def quickstart_command(cluster: Cluster, host_name: str, home: str, which: Which, *, java_opt: str = "") -> Command:
    """`sh <home>/bin/tools.sh <example class>` with NAMESRV_ADDR (and JAVA_HOME, JAVA_OPT)."""
    env = {"NAMESRV_ADDR": cluster.namesrv_addr(), "ROCKETMQ_HOME": home}
    java_home = cluster.java_home(cluster.host(host_name))
    if java_home:
        env["JAVA_HOME"] = java_home
    if java_opt:
        env["JAVA_OPT"] = java_opt  # tools.sh prepends it to its own options
    main = PRODUCER_CLASS if which is Which.PRODUCER else CONSUMER_CLASS
    return Command.of(["sh", f"{home}/bin/tools.sh", main], env)


def default_host(cluster: Cluster) -> str:
    """Where to run the clients when not told: the first namesrv's host (else the first node's)."""
    nodes = cluster.namesrvs or cluster.nodes
    if not nodes:
        raise ValueError(f"cluster {cluster.name} defines no node to run the quickstart on")
    return nodes[0].host


class _Counter:
    def __init__(self, which: Which, stop_after: int | None, on_line: Callable[[str], object] | None) -> None:
        self.which = which
        self.stop_after = stop_after
        self.on_line = on_line
        self.send_ok = self.send_failed = self.received = 0

    def __call__(self, line: str) -> bool:
        if self.which is Which.PRODUCER:
            match = _SEND_RESULT.search(line)
            if match:
                if match.group(1) == "SEND_OK":
                    self.send_ok += 1
                else:
                    self.send_failed += 1
            elif _EXCEPTION.match(line):
                self.send_failed += 1
        else:
            self.received += line.count(_RECEIVED)
        if self.on_line is not None:
            self.on_line(line)
        return self.stop_after is not None and self.received >= self.stop_after


async def unavailable_reason(cluster: Cluster, pool: HostPool, host: str | None = None) -> str | None:
    """Why the quickstart cannot run on the host (one line), or None when its distribution has the
    rocketmq-example jar.  Maven Central serves that jar for 5.5.0 only (not 4.9.7, 5.1.4, 5.3.3),
    so an assembled older release has no quickstart; an official zip of any release has it."""
    host_name = host or default_host(cluster)
    backend: Backend = pool.get(host_name)
    home = await backend.expand_path(cluster.rocketmq_home(cluster.host(host_name)))
    lib = await backend.listdir(f"{home}/lib")
    if any(EXAMPLE_JAR.fullmatch(n) for n in lib):
        return None
    brokers = [n for n in lib if n.startswith("rocketmq-broker-") and n.endswith(".jar")]
    release = brokers[0][len("rocketmq-broker-") : -len(".jar")] if brokers else "?"
    return (
        f"quickstart unavailable: RocketMQ {release} at {home} on host '{host_name}' has no rocketmq-example jar "
        "(Maven Central serves it for 5.5.0 only); use the produce/consume test (Run) instead"
    )


async def run_quickstart(
    cluster: Cluster,
    pool: HostPool,
    which: Which,
    *,
    host: str | None = None,
    on_line: Callable[[str], object] | None = None,
    timeout: float = 180.0,
    stop_after: int | None = None,
    java_opt: str = "",
) -> QuickstartResult:
    """Run the quickstart Producer (to its end, or `timeout`) or Consumer (until `stop_after`
    messages, default 1000, or `timeout`). `java_opt` goes first on the JVM's command line
    (e.g. -Duser.home=DIR to keep the client's logs elsewhere)."""
    host_name = host or default_host(cluster)
    reason = await unavailable_reason(cluster, pool, host_name)
    if reason:
        raise QuickstartUnavailable(reason)
    backend: Backend = pool.get(host_name)
    home = await backend.expand_path(cluster.rocketmq_home(cluster.host(host_name)))
    command = quickstart_command(cluster, host_name, home, which, java_opt=java_opt)
    if which is Which.CONSUMER and stop_after is None:
        stop_after = PRODUCER_MESSAGES
    counter = _Counter(which, stop_after if which is Which.CONSUMER else None, on_line)
    # where a remote host stages the output (a local run streams through a pipe and ignores it)
    work_dir = await backend.expand_path(cluster.host_work_dir(cluster.host(host_name)))
    output = f"{work_dir.rstrip('/')}/quickstart-{which.value}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    if cluster.host(host_name).backend is not BackendKind.LOCAL:
        await backend.makedirs(work_dir)
    result = await backend.stream(command, counter, timeout=timeout, output=output)
    stopped = "count" if result.stopped == "requested" else result.stopped
    return QuickstartResult(
        which=which,
        host=host_name,
        command=backend.describe(command),
        send_ok=counter.send_ok,
        send_failed=counter.send_failed,
        received=counter.received,
        lines=result.lines,
        exit_status=result.exit_status,
        stopped=stopped,
        duration=result.duration,
    )
