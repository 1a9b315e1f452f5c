"""The action journal: one JSON line per change rocketui made to a host.

`$XDG_STATE_HOME/rocketui/journal.jsonl` (default `~/.local/state/rocketui/journal.jsonl`;
`ROCKETUI_JOURNAL` overrides the path).  Appends are single `write` calls of one line under an
advisory lock, so the TUI and CLI runs in parallel never interleave half lines.  The gate appends
in a worker thread (`append_async`): waiting for another process's lock must not stop the event
loop, and each thread's own descriptor takes the lock, so threads exclude each other too.  Secrets never
reach it: values of environment assignments whose name looks like a secret are masked.
"""

from __future__ import annotations

import asyncio
import fcntl
import getpass
import json
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rocketui.model.cluster import Cluster

if TYPE_CHECKING:
    from rocketui.usecases.gate import ActionRecord

_SECRET_ASSIGNMENT = re.compile(
    r"\b([A-Za-z_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|ACCESS_?KEY)[A-Za-z_]*)=('[^']*'|\S+)", re.IGNORECASE
)


def journal_path() -> Path:
    override = os.environ.get("ROCKETUI_JOURNAL")
    if override:
        return Path(override)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "rocketui" / "journal.jsonl"


def redact(text: str) -> str:
    return _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group(1)}=***", text)


@dataclass
class Entry:
    ts: float
    user: str
    cluster: str
    cluster_file: str
    action: str
    node: str | None
    host: str | None
    commands: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    outcome: str = "ok"
    duration: float = 0.0
    error: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Entry:
        data = json.loads(line)
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})

    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.ts))


class Journal:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or journal_path()

    def append(self, entry: Entry) -> None:
        entry.commands = [redact(c) for c in entry.commands]
        entry.error = redact(entry.error)
        line = (entry.to_json() + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
        finally:
            os.close(fd)

    async def append_async(self, entry: Entry) -> None:
        """`append` in a worker thread (the flock may wait on another rocketui's append)."""
        await asyncio.to_thread(self.append, entry)

    def entries(self, *, since: float | None = None, cluster: str | None = None) -> Iterator[Entry]:
        """Entries oldest first; a damaged line (a crash mid-write elsewhere) is skipped."""
        try:
            f = open(self.path, encoding="utf-8", errors="replace")  # noqa: SIM115 (closed by the with below)
        except FileNotFoundError:
            return
        with f:
            for line in f:
                try:
                    entry = Entry.from_json(line)
                except (ValueError, TypeError):
                    continue
                if since is not None and (entry.ts or 0) < since:
                    continue
                if cluster is not None and entry.cluster_file != cluster:
                    continue
                yield entry

    @staticmethod
    def cluster_key(cluster: Cluster) -> str:
        """How entries name their cluster file (`entries(cluster=…)` filters on it)."""
        return os.path.abspath(cluster.source)

    def listener(self, cluster: Cluster) -> Callable[[ActionRecord], Awaitable[None]]:
        """A gate listener that journals each ActionRecord of `cluster`."""
        user = _user()

        async def record(r: ActionRecord) -> None:
            await self.append_async(
                Entry(
                    ts=r.started,
                    user=user,
                    cluster=cluster.name,
                    cluster_file=os.path.abspath(cluster.source),
                    action=r.action,
                    node=r.node,
                    host=r.host,
                    commands=list(r.commands),
                    files=list(r.files),
                    outcome=r.outcome,
                    duration=round(r.duration, 3),
                    error=r.error,
                )
            )

        return record


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


_SINCE = re.compile(r"^(\d+)([smhd])$")


def parse_since(text: str, now: float | None = None) -> float:
    """'30m', '2h', '7d' (ago) or an ISO date/time; ValueError with what is expected."""
    now = time.time() if now is None else now
    m = _SINCE.match(text.strip())
    if m:
        return now - int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise ValueError(
            f"--since {text!r}: expected an age like 30m, 2h, 7d or a date like 2026-11-25T10:00"
        ) from None
