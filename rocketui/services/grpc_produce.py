"""The produce test through a proxy's gRPC port, with the official Apache RocketMQ Python client
(`rocketmq-python-client` from PyPI, a client nobody on this project wrote).

The client runs in its own process (`grpc_client_driver.py`, with the Python that has it: its
grpcio/protobuf/OpenTelemetry stack never loads into rocketui, and it may live in a virtualenv
of its own).  Route, start offsets and the read-back stay rocketui's (remoting, through the same
proxy), so `sent = received` is judged exactly as for a remoting run: every message carries the
run id and its sequence number.  The other direction — messages sent by rocketui, received by the
official client — is `grpc_consume`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from importlib import resources

from rocketui.backends.base import Backend, BackendError
from rocketui.model.command import Command
from rocketui.services.mq_route import MqTestError, ProxyTarget, Queue
from rocketui.services.mqtest import ProduceReport, ProduceRun, ProduceSpec, SendMode

PYTHON_ENV = "ROCKETUI_GRPC_PYTHON"  # the Python that has rocketmq-python-client
DEFAULT_VENV = "~/.local/share/rocketui/grpc-client"  # where scripts/test installs it
CLIENT_PIN = "rocketmq-python-client==5.1.2"
DRIVER = "grpc_client_driver.py"


class GrpcSendError(Exception):
    """A send the official client reported as failed."""


def driver_path() -> str:
    return str(resources.files("rocketui.services") / DRIVER)


async def grpc_python(here: Backend) -> str:
    """The Python to run the driver with: $ROCKETUI_GRPC_PYTHON, else the virtualenv scripts/test
    makes, else rocketui's own (the client may be installed next to rocketui)."""
    given = os.environ.get(PYTHON_ENV)
    if given:
        return given
    venv = await here.expand_path(f"{DEFAULT_VENV}/bin/python")
    if await here.stat(venv) is not None:
        return venv
    return sys.executable


def _not_installed(python: str, error: str) -> MqTestError:
    return MqTestError(
        f"the official RocketMQ Python client is not usable with {python} ({error}); install it: "
        f"python3 -m venv {DEFAULT_VENV} && {DEFAULT_VENV}/bin/pip install {CLIENT_PIN} "
        f"(or point {PYTHON_ENV} at a Python that has it)"
    )


class GrpcProduceRun(ProduceRun):
    """A ProduceRun whose sends go through the official client to `endpoint` (a proxy's gRPC
    port); everything else (route, offsets, progress, report) is ProduceRun's."""

    def __init__(
        self, spec: ProduceSpec, namesrvs: list[str], *, here: Backend, endpoint: str, proxy: ProxyTarget, **kw: object
    ) -> None:
        if spec.mode is not SendMode.SYNC:
            raise ValueError("the gRPC produce test sends one message at a time (mode sync)")
        super().__init__(spec, namesrvs, proxy=proxy, **kw)  # type: ignore[arg-type]
        self.here = here
        self.endpoint = endpoint
        self.fatal: str | None = None

    async def _auto_create(self) -> None:
        raise MqTestError(f"topic {self.spec.topic} does not exist; gRPC clients never create topics: use --create")

    async def _send_all(self) -> None:
        self._mark_send_start()
        spec = self.spec
        request = {
            "mode": "produce",
            "endpoint": self.endpoint,
            "topic": spec.topic,
            "count": spec.count,
            "run_id": self.run_id,
            "body_size": spec.body_size,
            "tag": spec.tag,
            "keys": list(spec.keys),
            "timeout": spec.send_timeout,
            "rate": spec.rate,
        }
        python = await grpc_python(self.here)
        command = Command.of([python, driver_path(), json.dumps(request)])
        ticker = asyncio.create_task(self._tick(), name=f"grpc-produce-progress {self.run_id}")
        try:
            result = await self.here.stream(
                command, self._on_line, output=f"/tmp/rocketui-grpc-{self.run_id}.out", timeout=None
            )
        except BackendError as exc:
            raise _not_installed(python, str(exc)) from None
        finally:
            self._send_ended = time.monotonic()
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
        if self.fatal:
            if "not installed" in self.fatal:
                raise _not_installed(python, self.fatal)
            self._abort(f"the official client gave up: {self.fatal}")
        elif result.exit_status not in (0, None):
            self._abort(f"the official client exited with status {result.exit_status}")

    def _on_line(self, line: str) -> bool:
        try:
            event = json.loads(line)
        except ValueError:
            return False  # not ours (a library printing to stdout)
        kind = event.get("e") if isinstance(event, dict) else None
        if kind == "ok":
            self._attempted += 1
            queue = Queue(str(event["broker"]), int(event["queue"]))
            # The receipt's offset is not the consume-queue offset the read-back can reach: through
            # 5.5.0's proxy (Local and Cluster mode) it is one past it on every queue, so as an end
            # it waits for a message that does not exist.  The read-back goes by message ids up to
            # each queue's max offset instead; the offset is kept out (-1: not known).
            self._acked(int(event["seq"]), queue, -1, "SEND_OK", float(event["ms"]) / 1000)
        elif kind == "err":
            self._attempted += 1
            self._record_error(GrpcSendError(str(event.get("error", ""))))
        elif kind == "fatal":
            self.fatal = str(event.get("error", "unknown error"))
        return self._stopping  # stop(): end the client (its process group is stopped)


@dataclass(frozen=True)
class GrpcConsumeReport:
    """What the official client received of one produce run."""

    run_id: str
    group: str
    expected: int
    received: int
    missing: int
    duplicated: int
    corrupt: int
    foreign: int
    elapsed: float
    first_missing: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.duplicated == 0 and self.corrupt == 0

    def to_json(self) -> dict[str, object]:
        return {
            "client": "rocketmq-python-client (gRPC)",
            "run_id": self.run_id,
            "group": self.group,
            "sent": self.expected,
            "received": self.received,
            "missing": self.missing,
            "duplicated": self.duplicated,
            "corrupt": self.corrupt,
            "foreign": self.foreign,
            "elapsed_s": round(self.elapsed, 3),
            "first_missing": list(self.first_missing),
            "ok": self.ok,
            "notes": list(self.notes),
        }


async def grpc_consume(
    report: ProduceReport, *, here: Backend, endpoint: str, group: str, timeout: float = 60.0
) -> GrpcConsumeReport:
    """Receive the run's messages with the official client's SimpleConsumer (`group` must start at
    the run's start offsets: the caller commits them first)."""
    began = time.monotonic()
    expected = {seq for seq in range(report.spec.count) if report.acks.acked(seq)}
    copies: dict[int, int] = {}
    counts = {"corrupt": 0, "foreign": 0}
    fatal: list[str] = []

    def on_line(line: str) -> bool:
        try:
            event = json.loads(line)
        except ValueError:
            return False
        if not isinstance(event, dict):
            return False
        if event.get("e") == "msg":
            if event.get("run") != report.run_id or event.get("seq") is None:
                counts["foreign"] += 1
            else:
                seq = int(event["seq"])
                copies[seq] = copies.get(seq, 0) + 1
                counts["corrupt"] += 0 if event.get("body_ok") else 1
        elif event.get("e") == "fatal":
            fatal.append(str(event.get("error")))
        return False

    request = {
        "mode": "consume",
        "endpoint": endpoint,
        "topic": report.spec.topic,
        "group": group,
        "run_id": report.run_id,
        "count": len(expected),
        "body_size": report.spec.body_size,
        "timeout": timeout,
    }
    python = await grpc_python(here)
    command = Command.of([python, driver_path(), json.dumps(request)])
    try:
        await here.stream(command, on_line, output=f"/tmp/rocketui-grpc-{report.run_id}-c.out", timeout=timeout + 30)
    except BackendError as exc:
        raise _not_installed(python, str(exc)) from None
    if fatal:
        raise _not_installed(python, fatal[0]) if "not installed" in fatal[0] else MqTestError(fatal[0])
    missing = sorted(expected - set(copies))
    return GrpcConsumeReport(
        run_id=report.run_id,
        group=group,
        expected=len(expected),
        received=len(copies),
        missing=len(missing),
        duplicated=sum(n - 1 for n in copies.values() if n > 1),
        corrupt=counts["corrupt"],
        foreign=counts["foreign"],
        elapsed=time.monotonic() - began,
        first_missing=tuple(missing[:10]),
    )
