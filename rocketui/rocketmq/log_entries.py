"""Log lines as entries: an entry is a line that starts one (stamp, level) and the lines that
continue it (a stack trace, a wrapped message, the JVM's fatal-error notice).  Grouping, merging
several nodes' logs by time and filtering by level all keep an entry whole.  Pure functions.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from rocketui.rocketmq.log_format import Level, LineFormat


@dataclass(frozen=True)
class TaggedLine:
    tag: str
    text: str


def group_entries(lines: Iterable[str], fmt: LineFormat) -> list[list[str]]:
    """Lines grouped into entries.  Continuation lines before the first entry line (the start of
    a block read from the middle of a file) form an entry of their own."""
    entries: list[list[str]] = []
    is_header = fmt.is_header
    for line in lines:
        if entries and not is_header(line):
            entries[-1].append(line)
        else:
            entries.append([line])
    return entries


def leveled_entries(lines: Iterable[str], fmt: LineFormat) -> list[tuple[int, list[str]]]:
    """Entries with their level: the highest level of their lines (the entry line's in a logback
    file; in stdout.log a crash notice continuing a plain line raises it)."""
    entries: list[tuple[int, list[str]]] = []
    classify = fmt.classify
    for line in lines:
        level, header = classify(line)
        if entries and not header:
            top, entry = entries[-1]
            entry.append(line)
            if level > top:
                entries[-1] = (level, entry)
        else:
            entries.append((level, [line]))
    return entries


def merge_by_time(sources: dict[str, tuple[list[str], LineFormat]]) -> list[TaggedLine]:
    """Interleave several nodes' lines by the instant of their stamps (each read in its own zone),
    continuation lines staying with their entry.  Each source keeps its own order — stamps without
    milliseconds tie often within a second — and ties between sources go to the earlier-named
    source; an entry without a stamp keeps the time of the one before it."""
    return [TaggedLine(tag, line) for tag, entry in merge_entries_by_time(sources) for line in entry]


def merge_entries_by_time(sources: dict[str, tuple[list[str], LineFormat]]) -> list[tuple[str, list[str]]]:
    """`merge_by_time` as (tag, entry) pairs."""
    streams = []
    for order, (tag, (lines, fmt)) in enumerate(sources.items()):
        keyed = []
        last = float("-inf")
        for seq, entry in enumerate(group_entries(lines, fmt)):
            t = fmt.time(entry[0])
            last = t if t is not None and t > last else last  # a file's own order wins over a stamp
            keyed.append((last, order, seq, tag, entry))
        streams.append(keyed)
    return [(tag, entry) for _t, _o, _s, tag, entry in heapq.merge(*streams)]


class EntryFilter:
    """Streaming level filter: lines in (as they arrive), the lines of entries at `min_level` or
    above out, each entry whole.  An entry is decided when the next one starts or a batch ends;
    continuation lines arriving after it was printed follow it directly."""

    def __init__(self, fmt: LineFormat, min_level: int) -> None:
        self.fmt = fmt
        self.min_level = min_level
        self._pending: list[str] = []
        self._level = Level.NONE
        self._passing = False  # the current entry was printed: its later lines go straight out

    def feed(self, lines: Iterable[str]) -> list[str]:
        out: list[str] = []
        classify = self.fmt.classify
        for line in lines:
            level, header = classify(line)
            if header:
                self._decide(out)
                self._pending, self._level, self._passing = [line], level, False
            elif self._passing:
                out.append(line)
            else:
                self._pending.append(line)
                self._level = max(self._level, level)
        self._decide(out)
        return out

    def _decide(self, out: list[str]) -> None:
        if self._pending and self._level >= self.min_level:
            out.extend(self._pending)
            self._passing = True
        self._pending = []
