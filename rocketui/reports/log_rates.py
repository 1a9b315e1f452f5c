"""WARN and ERROR entries a running node's main log got since the last look, and the events
pane's line when a node logs ERRORs or a burst of WARNs:
"broker-a: 3 ERROR, 12 WARN in the last 5s — first: <the first ERROR line>".

Entries, not lines: a stack trace continues its ERROR line and counts once; the level is read with
the file's own layout (from the node's logback XML).  Pure: the lines the log use case read in,
counts and events out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rocketui.reports.events import ERROR, WARNING, Event
from rocketui.rocketmq.log_entries import leveled_entries
from rocketui.rocketmq.log_format import Level, LineFormat
from rocketui.text import human_bytes, inert
from rocketui.usecases.logs import Appended

WARN_BURST = 10  # WARN entries in one look that make an event without any ERROR
FIRST_CHARS = 160  # of the quoted first line


@dataclass(frozen=True)
class LevelCount:
    errors: int = 0
    warns: int = 0
    first_error: str = ""  # the first line of the first ERROR entry
    first_warn: str = ""


def count_levels(lines: Iterable[str], fmt: LineFormat) -> LevelCount:
    errors = warns = 0
    first_error = first_warn = ""
    for level, entry in leveled_entries(lines, fmt):
        if level >= Level.ERROR:
            errors += 1
            first_error = first_error or entry[0]
        elif level == Level.WARN:
            warns += 1
            first_warn = first_warn or entry[0]
    return LevelCount(errors, warns, first_error, first_warn)


@dataclass(frozen=True)
class LogRate:
    """One node's main log over one look."""

    node: str
    file: str  # its name, e.g. broker.log
    count: LevelCount
    seconds: float
    read: int = 0
    skipped: int = 0  # bytes over the cap, not read: the counts miss what they held

    def text(self) -> str:
        """'3 ERROR, 12 WARN in the last 5s', and what was not read."""
        text = f"{self.count.errors} ERROR, {self.count.warns} WARN in the last {self.seconds:.0f}s"
        if self.skipped:
            text += f" (read the newest {human_bytes(self.read)}; {human_bytes(self.skipped)} before it skipped)"
        return text


def log_rate(appended: Appended) -> LogRate:
    count = count_levels(appended.lines, appended.log.format)
    return LogRate(appended.node, appended.log.name, count, appended.seconds, appended.read, appended.skipped)


def shorten(line: str, limit: int = FIRST_CHARS) -> str:
    line = inert(line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def rate_event(rate: LogRate, now: float, *, warn_burst: int = WARN_BURST) -> Event | None:
    """An event when the node logged an ERROR, or at least `warn_burst` WARNs, in the look."""
    count = rate.count
    if count.errors == 0 and count.warns < warn_burst:
        return None
    first = count.first_error or count.first_warn
    return Event(now, ERROR if count.errors else WARNING, rate.node, f"{rate.text()} — first: {shorten(first)}")
