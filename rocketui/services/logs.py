"""Finding, tailing and following a node's logs through its host's backend (local or SSH alike).

The end of a file is found by reading backwards in blocks (`read_range`), never by reading the
file: a 1 GB broker.log shows its last screen after one or two 64 KiB reads.  Following turns the
backend's byte events into complete lines (a partial last line waits for its newline; a rotation
or truncation drops it, since the file it belonged to is gone).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from rocketui.backends.base import Backend, BackendError, FileStat
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.logs import (
    GC_LOG_PREFIX,
    LogFile,
    default_log_files,
    display_lines,
    display_text,
    has_timestamp,
    java_props,
    line_time,
    logback_files,
)
from rocketui.services.nodes import NodeService

BLOCK = 64 * 1024
MAX_LINE_BYTES = 1 << 20  # a "line" longer than this is cut into pieces when reading backwards


@dataclass(frozen=True)
class Tail:
    """Lines ending at `end` and starting at byte `start` (where older lines can be read from)."""

    lines: list[str]
    start: int
    end: int
    bytes_read: int = 0


async def read_before(backend: Backend, path: str, end: int, count: int, *, block: int = BLOCK) -> Tail:
    """The last `count` complete lines before byte `end`, read backwards block by block."""
    if end <= 0 or count <= 0:
        return Tail([], max(end, 0), max(end, 0))
    pos = end
    buf = b""
    read = 0
    while pos > 0:
        # count+1 newlines guarantee `count` complete lines (the first piece may be partial)
        if buf.count(b"\n") > count or len(buf) >= MAX_LINE_BYTES + count * 512:
            break
        size = min(block, pos)
        chunk = await backend.read_range(path, pos - size, size)
        read += len(chunk)
        if len(chunk) < size:  # the file shrank under us: keep what is consistent
            buf = b""
            break
        pos -= size
        buf = chunk + buf
    pieces = buf.split(b"\n")
    if buf.endswith(b"\n"):
        pieces.pop()  # the empty piece after the last newline
    start = pos
    if pos > 0 and len(pieces) > 1:
        start += len(pieces[0]) + 1  # a partial first line: leave it for the next read
        pieces = pieces[1:]
    if len(pieces) > count:
        start += sum(len(p) + 1 for p in pieces[:-count])
        pieces = pieces[-count:]
    return Tail([display_text(p.rstrip(b"\r")) for p in pieces], start, end, read)


async def tail(backend: Backend, path: str, count: int) -> tuple[Tail, FileStat]:
    """The last `count` lines of a file and its stat (the end they stop at).  A partial last line
    (a writer mid-line) is left out; following from `Tail.end` delivers it whole."""
    st = await backend.stat(path)
    if st is None:
        raise FileNotFoundError(path)
    end = st.size
    read = 0
    if end:
        size = min(BLOCK, end)
        last = await backend.read_range(path, end - size, size)
        read = len(last)
        cut = last.rfind(b"\n")
        if cut >= 0:
            end = end - size + cut + 1
        elif size == end:
            end = 0  # the whole file is one unterminated line: following delivers it
        # else: a last line longer than a block; it is shown cut rather than waited for
    result = await read_before(backend, path, end, count)
    return Tail(result.lines, result.start, result.end, result.bytes_read + read), st


class LineSplitter:
    """Bytes in, complete decoded lines out; a partial line waits for the rest."""

    def __init__(self) -> None:
        self._partial = b""

    def feed(self, data: bytes) -> list[str]:
        data = self._partial + data if self._partial else data
        cut = data.rfind(b"\n") + 1
        self._partial = data[cut:]
        lines = display_lines(data[:cut]) if cut else []
        if len(self._partial) > MAX_LINE_BYTES:  # a runaway line without newline: show it cut
            lines.append(display_text(self._partial))
            self._partial = b""
        return lines

    def reset(self) -> None:
        self._partial = b""

    @property
    def held(self) -> int:
        """Bytes of the partial line waiting for its newline."""
        return len(self._partial)


# Notices about the connection to the host, not the file: the follower resumes at its offset.
LINK_NOTICES = frozenset({"disconnected", "reconnected"})


@dataclass(frozen=True)
class LineBatch:
    lines: list[str] = field(default_factory=list)
    notice: str = ""  # "rotated", "truncated", "missing", "appeared"; "disconnected", "reconnected" (SSH)
    start: int = 0  # file offset of lines[0]
    offset: int = 0  # file offset after the last complete line


async def follow_lines(
    backend: Backend, path: str, start: int | None, *, poll: float = 0.1
) -> AsyncIterator[LineBatch]:
    """Complete lines appended to `path` from byte `start`, and rotation notices."""
    splitter = LineSplitter()
    async for event in backend.follow(path, start=start, poll=poll):
        if event.notice:
            if event.notice not in LINK_NOTICES:  # the file changed; an outage resumes mid-line
                splitter.reset()
            yield LineBatch(notice=event.notice)
        if event.data:
            first = event.offset - splitter.held
            lines = splitter.feed(event.data)
            if lines:
                yield LineBatch(lines, start=first, offset=event.offset + len(event.data) - splitter.held)


# ------------------------------------------------------------------- which files a node writes
_GC_FILE = re.compile(r"(?:-Xloggc:|-Xlog:gc[^:]*:file=)([^:]+)")


def gc_log_dir(argv: Iterable[str]) -> str | None:
    for arg in argv:
        m = _GC_FILE.match(arg)
        if m:
            return m.group(1).rsplit("/", 1)[0] or "/"
    return None


class LogService:
    """Where each node's logs are and how to read them."""

    def __init__(self, cluster: Cluster, nodes: NodeService) -> None:
        self.cluster = cluster
        self.nodes = nodes

    def backend(self, node: Node) -> Backend:
        return self.nodes.backend(node)

    async def files(self, node: Node) -> list[tuple[LogFile, FileStat | None]]:
        """Every log file of the node with its stat (None: not there yet), main log first.

        When the node runs, its command line decides: `-Duser.home` and a
        `-Drmq.logback.configurationFile` whose `<file>` paths were edited are honoured, and the
        JVM's GC log is listed."""
        backend = self.backend(node)
        log_dir = await backend.expand_path(self.cluster.log_dir(node))
        run_dir = await backend.expand_path(self.cluster.run_dir(node))
        files = default_log_files(node.kind, log_dir, run_dir)
        try:
            jvm = await self.nodes.find(node)
        except BackendError:
            jvm = None
        if jvm is not None:
            files = await self._from_command_line(backend, node, jvm.argv, jvm.pid, files)
        stats = [await backend.stat(f.path) for f in files]
        listed = list(zip(files, stats, strict=False))
        main, rest = listed[:1], listed[1:]
        # the side list shows files that exist, plus the main log even before it is created
        return main + [(f, st) for f, st in rest if st is not None]

    async def _from_command_line(
        self, backend: Backend, node: Node, argv: tuple[str, ...], pid: int, files: list[LogFile]
    ) -> list[LogFile]:
        props = java_props(argv)
        xml = props.get("rmq.logback.configurationFile")
        stdout = files[-1]
        if xml and not xml.startswith(("jar:", "classpath:")):
            xml_path = xml.removeprefix("file:")
            try:
                text = (await backend.read_file(xml_path)).decode("utf-8", "replace")
                home = props.get("user.home") or await backend.expand_path("~")
                paths = logback_files(text, {**props, "user.home": home})
            except (FileNotFoundError, ValueError, BackendError):
                paths = []
            if paths:
                files = [LogFile(p.rsplit("/", 1)[-1], p) for p in paths] + [stdout]
                main_name = default_log_files(node.kind, "", "")[0].name
                files.sort(key=lambda f: f.name != main_name)
        gc_dir = gc_log_dir(argv)
        if gc_dir:
            prefix = f"{GC_LOG_PREFIX}{pid}_"
            names = sorted(n for n in await backend.listdir(gc_dir) if n.startswith(prefix) and n.endswith(".log"))
            if names:
                files.append(LogFile("gc.log", f"{gc_dir}/{names[-1]}"))
        return files

    async def quick_main(self, node: Node) -> tuple[LogFile, FileStat | None]:
        """The main log by the stock layout alone (two stats, no process lookup): what the view
        opens at once, before `files` has looked at the running JVM."""
        backend = self.backend(node)
        log_dir = await backend.expand_path(self.cluster.log_dir(node))
        run_dir = await backend.expand_path(self.cluster.run_dir(node))
        defaults = default_log_files(node.kind, log_dir, run_dir)
        main, stdout = defaults[0], defaults[-1]
        st = await backend.stat(main.path)
        if st is None:
            out = await backend.stat(stdout.path)
            if out is not None:
                return stdout, out
        return main, st

    async def main_file(self, node: Node) -> tuple[LogFile, FileStat | None]:
        """The node's main log, or its captured stdout while the main log does not exist yet."""
        return self.main_of(await self.files(node))

    @staticmethod
    def main_of(listed: list[tuple[LogFile, FileStat | None]]) -> tuple[LogFile, FileStat | None]:
        main = listed[0]
        if main[1] is None:
            for f, st in listed:
                if f.name.endswith("stdout.log") and st is not None:
                    return f, st
        return main


# ------------------------------------------------------------------- merged view
@dataclass(frozen=True)
class TaggedLine:
    tag: str
    text: str


def group_entries(lines: list[str]) -> list[list[str]]:
    """Lines grouped into entries: a timestamped line plus its continuation lines (stack traces)."""
    entries: list[list[str]] = []
    for line in lines:
        if entries and not has_timestamp(line):
            entries[-1].append(line)
        else:
            entries.append([line])
    return entries


def merge_by_time(sources: dict[str, list[str]]) -> list[TaggedLine]:
    """Interleave several nodes' lines by their GMT+8 timestamps; continuation lines stay with
    their parent; ties keep each source's own order (the merge is stable per source)."""
    streams = []
    for order, (tag, lines) in enumerate(sources.items()):
        keyed = []
        last = float("-inf")
        for seq, entry in enumerate(group_entries(lines)):
            t = line_time(entry[0])
            last = t if t is not None else last
            keyed.append((last, order, seq, tag, entry))
        streams.append(keyed)
    merged: list[TaggedLine] = []
    for _t, _o, _s, tag, entry in heapq.merge(*streams):
        merged.extend(TaggedLine(tag, line) for line in entry)
    return merged
