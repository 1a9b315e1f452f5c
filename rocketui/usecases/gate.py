"""The one path every change takes, whichever front end asked for it.

`Gate.run` refuses in read-only mode, collects the exact commands the hosts' backends ran and the
files written (`ActionRecord`), and hands the record to its listeners (the journal) whether the
change succeeded, failed or raised.  A journal that cannot be written never replaces the action's
own result: its error is reported separately (`journal_errors`, and to `on_journal_error`, which
the front ends show as a warning).  Listeners may be coroutines (the journal appends in a thread).
Use cases turn results into one `Outcome` that the TUI and the CLI only render.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rocketui.backends.base import capture_commands

T = TypeVar("T")
log = logging.getLogger(__name__)


class ReadOnlyError(Exception):
    """A change was asked for in read-only mode; nothing was done."""


@dataclass
class ActionRecord:
    """One change, as the journal and the front ends see it."""

    action: str
    node: str | None
    host: str | None
    commands: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files written, as "host: path"
    outcome: str = "ok"  # "ok" | "failed" | "error"
    error: str = ""
    started: float = field(default_factory=time.time)
    duration: float = 0.0

    def fail(self, error: str) -> None:
        """The action ran but did not reach what was asked (journaled as failed)."""
        self.outcome, self.error = "failed", error


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a use case reports to a front end: rendered as a status line, a notification, or
    printed lines and an exit status."""

    action: str
    target: str | None  # node name, "cluster", a topic, … (None: the cluster)
    ok: bool
    summary: str
    details: tuple[str, ...] = ()
    refused: bool = False  # nothing was tried (read-only, invalid input): CLI exit 2
    value: T | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 2 if self.refused else 1

    @classmethod
    def refusal(cls, action: str, target: str | None, reason: str) -> Outcome[Any]:
        return cls(action, target, False, reason, refused=True)


Listener = Callable[[ActionRecord], Awaitable[None] | None]


class Gate:
    def __init__(self, *, read_only: bool = False, where: str = "") -> None:
        self.read_only = read_only
        self.where = where  # "cluster 'X'", for messages
        self.listeners: list[Listener] = []
        self.journal_errors: list[str] = []
        self.on_journal_error: list[Callable[[str], None]] = []

    def refuse_if_read_only(self, action: str, target: str | None) -> None:
        if self.read_only:
            what = f"node '{target}'" if target else self.where or "the cluster"
            raise ReadOnlyError(f"read-only mode: refusing to {action} {what}")

    async def run(
        self,
        action: str,
        target: str | None,
        host: str | None,
        body: Callable[[ActionRecord], Awaitable[T]],
    ) -> T:
        """Run one change: refuse in read-only mode, record what the backends ran, journal it."""
        self.refuse_if_read_only(action, target)
        record = ActionRecord(action, target, host)
        t0 = time.monotonic()
        try:
            with capture_commands(record.commands):
                return await body(record)
        except BaseException as exc:
            record.outcome, record.error = "error", str(exc) or type(exc).__name__
            raise
        finally:
            record.duration = time.monotonic() - t0
            await self._tell(record)

    async def record(self, record: ActionRecord) -> None:
        """Journal a record made outside `run` (an observation such as a crash, a trusted key)."""
        await self._tell(record)

    async def _tell(self, record: ActionRecord) -> None:
        for listener in self.listeners:
            try:
                result = listener(record)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # the journal failing must not turn a done change into an error
                message = f"journal: could not record '{record.action}': {exc}"
                log.warning(message)
                self.journal_errors.append(message)
                for tell in self.on_journal_error:
                    tell(message)
