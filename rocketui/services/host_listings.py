"""Per-host process listings for status polls, so one dead host never holds up the others.

A poll asks every host for its processes at once and waits at most `wait` seconds.  A listing
that has not finished by then keeps running in its own task (a connect to a silent host takes
its connect_timeout; a hung connection takes until the keepalive gives up): that host is
reported as `Pending`, and later polls look at the same task without waiting for it again, so
they are as fast as the hosts that answer.  Once most hosts have answered, the last ones get
only a grace (services/stragglers.py), so a host that has just died costs the poll a moment.  Nor
is a host waited for that is known to be down (`hopeless`: its last connect failed and this
listing is a retry).  A listing that finished between two polls is used by the next one if it
is fresh.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from rocketui.backends.base import BackendError, HostSnapshot
from rocketui.services.stragglers import PATIENT, Grace, wait_most

Listing = HostSnapshot | BaseException


class Pending(BackendError):
    """The host's listing is still under way after the poll's wait; `age` in seconds."""

    def __init__(self, host: str, age: float) -> None:
        super().__init__(f"{host}: no answer for {age:.0f}s")
        self.age = age


@dataclass
class _Task:
    task: asyncio.Task[HostSnapshot]
    started: float
    finished: float | None = None


class HostListings:
    def __init__(
        self,
        fetch: Callable[[str], Awaitable[HostSnapshot]],
        *,
        wait: float = 2.0,
        hopeless: Callable[[str], bool] = lambda host: False,
    ) -> None:
        self._fetch = fetch
        self.wait = wait
        self._hopeless = hopeless
        self._tasks: dict[str, _Task] = {}

    def _task(self, host: str) -> tuple[_Task, bool]:
        """The host's listing task, and whether this call started it."""
        current = self._tasks.get(host)
        if current is not None and current.finished is not None and time.monotonic() - current.finished > self.wait:
            _retrieve(current.task)  # finished long before this poll: too old to show
            current = None
        if current is None:
            entry = _Task(asyncio.ensure_future(self._fetch(host)), time.monotonic())

            def done(_: object, entry: _Task = entry) -> None:
                entry.finished = time.monotonic()

            entry.task.add_done_callback(done)
            self._tasks[host] = entry
            return entry, True
        return current, False

    async def poll(self, hosts: Iterable[str], grace: Grace = PATIENT) -> dict[str, Listing]:
        """host → its snapshot (processes, listening sockets), the error that ended its listing, or
        `Pending`.  `grace`: what the last new listings get once most are in (stragglers.wait_most)."""
        hosts = list(hosts)
        hopeless = {h for h in hosts if self._hopeless(h)}
        started = {h: self._task(h) for h in hosts}
        entries = {h: entry for h, (entry, _) in started.items()}
        new = [
            entry.task for h, (entry, fresh) in started.items() if fresh and h not in hopeless and not entry.task.done()
        ]
        if new:  # listings still pending from an earlier poll already had their wait
            await wait_most(new, self.wait, grace)
        results: dict[str, Listing] = {}
        now = time.monotonic()
        for host, entry in entries.items():
            if not entry.task.done():
                results[host] = Pending(host, now - entry.started)
                continue
            if self._tasks.get(host) is entry:
                del self._tasks[host]  # consumed: the next poll lists afresh
            results[host] = _retrieve(entry.task)
        return results

    def close(self) -> None:
        for entry in self._tasks.values():
            entry.task.cancel()
            entry.task.add_done_callback(_retrieve)
        self._tasks.clear()


def _retrieve(task: asyncio.Future[HostSnapshot]) -> Listing:
    """A finished task's outcome (also marks its exception as seen, so asyncio does not warn)."""
    if task.cancelled():
        return BackendError("the process listing was cancelled")
    exc = task.exception()
    return exc if exc is not None else task.result()
