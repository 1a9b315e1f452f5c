"""What each running node's main log got since the last look, for the events pane's WARN/ERROR
counts: the bytes appended, at most CAP of them per node and look (the newest when more was
written), as complete inert lines.  Through the node's host backend, local or SSH alike: one stat
round trip per host and one ranged read per node whose log grew.

Per node it keeps the file it reads (path and line layout, worked out again when the node's JVM
changes, since a restart may bring another logback XML), the file's identity (inode) and the
offset read up to.  A replaced file (logback renames broker.log into otherdays/ at 128 MB and
starts a new one) or a shrunk one (truncated) is read again from byte 0.  The first look at a
node only notes where its log ends: what was there before is not counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from rocketui.backends.base import BackendError, FileStat
from rocketui.model.cluster import Node
from rocketui.rocketmq.logs import LogFile, display_lines
from rocketui.services.logs import LogService

CAP = 256 * 1024  # bytes read per node and look
CONCURRENCY = 16  # nodes read at once (SSH requests share each host's one connection)


@dataclass(frozen=True)
class Appended:
    """The complete lines a node's main log got since the previous look."""

    node: str
    log: LogFile  # path and line layout
    lines: list[str]  # inert, oldest first
    seconds: float  # since the previous look at this node
    read: int = 0  # bytes read
    skipped: int = 0  # bytes appended but not read (over the cap): the oldest of them
    restarted: str = ""  # "rotated" | "truncated": the file was read again from its start


@dataclass
class _Place:
    pid: int
    log: LogFile
    inode: int | None  # None: the file did not exist yet
    offset: int  # read up to here (after the last complete line)
    at: float  # when


class AppendedReader:
    def __init__(self, logs: LogService, *, cap: int = CAP) -> None:
        self._logs = logs
        self.cap = cap
        self._places: dict[str, _Place] = {}

    async def read(self, nodes: Sequence[tuple[Node, int]], now: float) -> list[Appended]:
        """For each (running node, its JVM's pid), what its main log got since the previous look
        that included it.  A node looked at for the first time, or whose host or file could not be
        read this time, gives nothing; nodes not passed keep their place for later.  The files
        of one host are stat'ed in one round trip (a fleet look is one per host, not per node)."""
        limit = asyncio.Semaphore(CONCURRENCY)
        known: dict[str, _Place] = {}

        async def settle(node: Node, pid: int) -> None:
            async with limit:
                try:
                    place = await self._settle(node, pid, now)
                except (BackendError, OSError):
                    return  # tried again at the next look, from the same place
                if place is not None:
                    known[node.name] = place

        await asyncio.gather(*(settle(node, pid) for node, pid in nodes))
        by_host: dict[str, list[Node]] = {}
        for node, _ in nodes:
            if node.name in known:
                by_host.setdefault(node.host, []).append(node)
        found: dict[str, Appended] = {}

        async def host(group: list[Node]) -> None:
            async with limit:
                backend = self._logs.backend(group[0])
                try:
                    stats = await backend.stat_many([known[n.name].log.path for n in group])
                except (BackendError, OSError):
                    return
                for node, st in zip(group, stats, strict=True):
                    try:
                        found[node.name] = await self._advance(node, known[node.name], st, now)
                    except (BackendError, OSError):
                        continue

        await asyncio.gather(*(host(group) for group in by_host.values()))
        return [found[node.name] for node, _ in nodes if node.name in found]

    async def _settle(self, node: Node, pid: int, now: float) -> _Place | None:
        """The node's place to read on from; None at a first look (which only notes the end)."""
        place = self._places.get(node.name)
        if place is not None and place.pid == pid:
            return place
        log = await self._logs.main_log(node)  # broker.log, namesrv.log, …, even before it exists
        if place is not None and place.log.path == log.path:
            place.pid, place.log = pid, log  # restarted: the same file goes on
            return place
        st = await self._logs.backend(node).stat(log.path)
        self._places[node.name] = _Place(pid, log, _inode(st), st.size if st else 0, now)
        return None

    async def _advance(self, node: Node, place: _Place, st: FileStat | None, now: float) -> Appended:
        """Read what was appended since `place`, given the file's stat now."""
        seconds, place.at = now - place.at, now
        if st is None:
            place.inode, place.offset = None, 0
            return Appended(node.name, place.log, [], seconds)
        start, restarted = place.offset, ""
        if place.inode is None:
            start = 0  # created since the last look
        elif st.inode != place.inode:
            start, restarted = 0, "rotated"
        elif st.size < place.offset:
            start, restarted = 0, "truncated"
        place.inode = st.inode
        first = max(start, st.size - self.cap)
        backend = self._logs.backend(node)
        data = await backend.read_range(place.log.path, first, st.size - first) if st.size > first else b""
        read, skipped = len(data), first - start
        if skipped:  # read from the middle of a line: the piece before the first newline is left out
            cut = data.find(b"\n") + 1 if b"\n" in data else len(data)
            skipped += cut
            data_start, data = first + cut, data[cut:]
        else:
            data_start = first
        complete = data[: data.rfind(b"\n") + 1]  # a line being written waits for its newline
        place.offset = data_start + len(complete)
        if not complete and len(data) >= self.cap:  # one line longer than the cap: not waited for
            place.offset = data_start + len(data)
            skipped += len(data)
        lines = display_lines(complete) if complete else []
        return Appended(node.name, place.log, lines, seconds, read, skipped, restarted)


def _inode(st: FileStat | None) -> int | None:
    return st.inode if st is not None else None
