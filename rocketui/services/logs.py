"""Finding, tailing and following a node's logs through its host's backend (local or SSH alike).

The end of a file is found by reading backwards in blocks (`read_range`), never by reading the
file: a 1 GB broker.log shows its last screen after one or two 64 KiB reads.  Following turns the
backend's byte events into complete lines (a partial last line waits for its newline; a rotation
or truncation drops it, since the file it belonged to is gone).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from rocketui.backends.base import Backend, BackendError, Command, FileStat, ProcessInfo
from rocketui.model.cluster import Cluster, Node, NodeKind
from rocketui.rocketmq.log_entries import TaggedLine, group_entries, leveled_entries, merge_by_time
from rocketui.rocketmq.log_format import (
    LineFormat,
    compile_pattern,
    gc_format,
    is_4x,
    java_zone,
    stdout_format,
)
from rocketui.rocketmq.logs import (
    GC_LOG_PREFIX,
    GC_NAME,
    STDOUT_NAME,
    LogbackLayouts,
    LogFile,
    default_log_files,
    display_lines,
    display_text,
    guess_format,
    java_props,
    logback_layouts,
)
from rocketui.services.nodes import NodeService

__all__ = ["TaggedLine", "group_entries", "merge_by_time"]

BLOCK = 64 * 1024
MAX_LINE_BYTES = 1 << 20  # a "line" longer than this is cut into pieces when reading backwards


@dataclass(frozen=True)
class Tail:
    """Lines ending at `end` and starting at byte `start` (where older lines can be read from)."""

    lines: list[str]
    start: int
    end: int
    bytes_read: int = 0


async def read_before(
    backend: Backend, path: str, end: int, count: int, *, block: int = BLOCK, have: bytes = b""
) -> Tail:
    """The last `count` complete lines before byte `end`, read backwards block by block; `have`:
    the bytes just before `end`, already read (not read again)."""
    if end <= 0 or count <= 0:
        return Tail([], max(end, 0), max(end, 0))
    pos = end - len(have)
    buf = have
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
    (a writer mid-line) is left out; following from `Tail.end` delivers it whole.  The stat and
    the last block come in one backend call; older blocks are read only for long lines."""
    got = await backend.read_end(path, BLOCK)
    if got is None:
        raise FileNotFoundError(path)
    st, last = got
    end = st.size
    have = b""
    if end:
        size = min(BLOCK, end)
        cut = last.rfind(b"\n")
        if cut >= 0:  # (bytes short of `size`: the file shrank after the stat; they still start there)
            end = end - size + cut + 1
            have = last[: cut + 1]
        elif size == end:
            end = 0  # the whole file is one unterminated line: following delivers it
        elif len(last) < size:
            end -= size  # shrank, and no newline left in the block: the lines before it
        else:
            have = last  # a last line longer than a block; it is shown cut rather than waited for
    result = await read_before(backend, path, end, count, have=have)
    return Tail(result.lines, result.start, result.end, result.bytes_read + len(last)), st


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


def xml_of(kind: NodeKind, version: str, home: str, props: dict[str, str] | None) -> str | None:
    """The logback XML a node's JVM configures itself from: 5.x passes it as
    `-Drmq.logback.configurationFile` (the scripts point it at `conf/rmq.<kind>.logback.xml`);
    4.x's mains load `<rocketmq.home.dir>/conf/logback_<kind>.xml` themselves.  None for a
    resource inside a jar."""
    if is_4x(version):
        base = (props or {}).get("rocketmq.home.dir") or home
        return f"{base.rstrip('/')}/conf/logback_{kind.value}.xml"
    xml = (props or {}).get("rmq.logback.configurationFile") if props is not None else None
    if props is not None and xml is None:
        return None  # a JVM started without it (broker container, tools.sh): logback's own search
    if xml is None:
        return f"{home.rstrip('/')}/conf/rmq.{kind.value}.logback.xml"
    if xml.startswith(("jar:", "classpath:")):
        return None
    return xml.removeprefix("file:")


class LogService:
    """Where each node's logs are, how their lines are laid out, and reading them by (node, file):
    the front ends ask here (through rocketui.usecases.logs) and never see a backend."""

    def __init__(self, cluster: Cluster, nodes: NodeService) -> None:
        self.cluster = cluster
        self.nodes = nodes
        self._xml: dict[tuple[object, ...], LogbackLayouts | str] = {}
        self._compiled: dict[tuple[str, str], LineFormat] = {}

    def backend(self, node: Node) -> Backend:
        return self.nodes.backend(node)

    @property
    def version(self) -> str:
        return self.cluster.rocketmq.version

    # ---------------------------------------------------------- files and their layouts
    async def files(self, node: Node) -> list[tuple[LogFile, FileStat | None]]:
        """Every log file of the node with its stat (None: not there yet), main log first.

        The node's logback XML decides paths and line layouts: the one its running JVM was started
        with (`-Duser.home` and an edited copy are honoured, and the JVM's GC log is listed), else
        the installation's own.  When the XML cannot be read the stock layout is assumed and each
        file's `format.origin` says so.  The files are stat'ed in one request."""
        files, jvm = await self._log_files(node)
        backend = self.backend(node)
        if jvm is not None:
            files += await self._gc_log(backend, jvm.argv, jvm.pid)
        listed = list(zip(files, await backend.stat_many([f.path for f in files]), strict=True))
        main, rest = listed[:1], listed[1:]
        # the side list shows files that exist, plus the main log even before it is created
        return main + [(f, st) for f, st in rest if st is not None]

    async def main_log(self, node: Node) -> LogFile:
        """The node's main log (broker.log, namesrv.log, …) as its logback XML places it, even
        before it exists: what `files` lists first, without listing and stat'ing the others."""
        return (await self._log_files(node))[0][0]

    async def _log_files(self, node: Node) -> tuple[list[LogFile], ProcessInfo | None]:
        """The node's log files by its XML (no GC log), and its running JVM if any."""
        backend = self.backend(node)
        log_dir = await backend.expand_path(self.cluster.log_dir(node))
        run_dir = await backend.expand_path(self.cluster.run_dir(node))
        try:
            jvm = await self.nodes.find(node)
        except BackendError:
            jvm = None
        props = java_props(jvm.argv) if jvm is not None else None
        home = await backend.expand_path(self.cluster.rocketmq_home(self.cluster.host(node.host)))
        xml = xml_of(node.kind, self.version, home, props)
        layouts, why = await self._layouts(node, xml, props, log_dir)
        return self._files_from(node, layouts, why, xml, log_dir, run_dir), jvm

    async def _layouts(
        self, node: Node, xml: str | None, props: dict[str, str] | None, log_dir: str
    ) -> tuple[LogbackLayouts | None, str]:
        """The XML's layouts, or None and why not (read once per change of the file)."""
        if xml is None:
            return None, "the JVM's logback XML is a resource inside a jar"
        backend = self.backend(node)
        user_home = (props or {}).get("user.home") or log_dir.removesuffix("/logs/rocketmqlogs")
        # 4.x sets brokerLogDir inside the JVM ("" unless isolateLogEnable): never on argv
        extra = {"brokerLogDir": ""} if is_4x(self.version) and node.kind is NodeKind.BROKER else {}
        values = {**extra, **(props or {}), "user.home": user_home}
        try:
            st = await backend.stat(xml)
            if st is None:
                return None, f"{xml} does not exist"
            # nodes sharing one XML resolve its ${user.home} … each to their own paths
            key = (node.host, xml, st.mtime_ns, st.size, tuple(sorted(values.items())))
            parsed = self._xml.get(key)
            if parsed is None:
                text = (await backend.read_file(xml)).decode("utf-8", "replace")
                try:
                    parsed = logback_layouts(text, values)
                except ValueError as exc:
                    parsed = f"{xml}: {exc}"
                if len(self._xml) > 64:
                    self._xml.clear()
                self._xml[key] = parsed
        except (FileNotFoundError, BackendError, OSError) as exc:
            return None, f"cannot read {xml}: {exc}"
        if isinstance(parsed, str):
            return None, parsed
        return parsed, ""

    def _compile(self, pattern: str | None, xml: str) -> LineFormat:
        key = (pattern or "", xml)
        fmt = self._compiled.get(key)
        if fmt is None:
            if pattern is None:  # an appender without an encoder: logback writes nothing useful
                fmt = compile_pattern("%m%n", origin=f"{xml} (no pattern for this file)")
            else:
                try:
                    fmt = compile_pattern(pattern, origin=xml)
                except ValueError as exc:
                    fmt = compile_pattern("%m%n", origin=f"{xml}: {exc}")
            self._compiled[key] = fmt
        return fmt

    def _files_from(
        self, node: Node, layouts: LogbackLayouts | None, why: str, xml: str | None, log_dir: str, run_dir: str
    ) -> list[LogFile]:
        defaults = default_log_files(node.kind, log_dir, run_dir, version=self.version, why=why)
        stdout_path = defaults[-1].path
        if layouts is None or not layouts.files or xml is None:
            return defaults
        files = [LogFile(p.rsplit("/", 1)[-1], p, self._compile(pattern, xml)) for p, pattern in layouts.files]
        main_name = defaults[0].name
        files.sort(key=lambda f: f.name != main_name)
        console = (
            self._compile(layouts.console, xml)
            if layouts.console
            else guess_format(STDOUT_NAME, self.version, node.kind.value, why=f"{xml} has no console appender")
        )
        if console.kind != "stdout":
            console = stdout_format(console, origin=f"stdout; console layout from {xml}")
        return [*files, LogFile(STDOUT_NAME, stdout_path, console)]

    async def _gc_log(self, backend: Backend, argv: tuple[str, ...], pid: int) -> list[LogFile]:
        gc_dir = gc_log_dir(argv)
        if not gc_dir:
            return []
        prefix = f"{GC_LOG_PREFIX}{pid}_"
        names = sorted(n for n in await backend.listdir(gc_dir) if n.startswith(prefix) and n.endswith(".log"))
        return [LogFile(GC_NAME, f"{gc_dir}/{names[-1]}", gc_format())] if names else []

    async def quick_end(self, node: Node, count: int) -> tuple[LogFile, Tail] | None:
        """The main log by the stock layout alone (no process lookup, no XML) and its last `count`
        lines — its captured stdout while the main log does not exist yet; None when neither
        does.  What the view opens at once, before `files` has looked at the JVM and its XML."""
        backend = self.backend(node)
        log_dir = await backend.expand_path(self.cluster.log_dir(node))
        run_dir = await backend.expand_path(self.cluster.run_dir(node))
        defaults = default_log_files(node.kind, log_dir, run_dir, version=self.version, why="XML not read yet")
        for log in (defaults[0], defaults[-1]):
            try:
                return log, (await tail(backend, log.path, count))[0]
            except FileNotFoundError:
                continue
        return None

    async def main_file(self, node: Node) -> tuple[LogFile, FileStat | None]:
        """The node's main log, or its captured stdout while the main log does not exist yet."""
        return self.main_of(await self.files(node))

    @staticmethod
    def main_of(listed: list[tuple[LogFile, FileStat | None]]) -> tuple[LogFile, FileStat | None]:
        main = listed[0]
        if main[1] is None:
            for f, st in listed:
                if f.name.endswith(STDOUT_NAME) and st is not None:
                    return f, st
        return main

    async def stats(self, node: Node, logs: list[LogFile]) -> list[FileStat | None]:
        """Current stats of listed files (sizes for the side list)."""
        backend = self.backend(node)
        return [await backend.stat(f.path) for f in logs]

    async def jvm_zone(self, node: Node) -> tuple[str, str] | None:
        """The zone a node's JVM writes zone-less stamps in: its `-Duser.timezone`, else its host's
        current offset (`date +%z`); None when neither can be learnt."""
        try:
            jvm = await self.nodes.find(node)
        except BackendError:
            jvm = None
        if jvm is not None:
            tz = java_props(jvm.argv).get("user.timezone")
            if tz:
                return tz, f"-Duser.timezone={tz}"
        try:
            result = await self.backend(node).run(Command.of(["date", "+%z"]), timeout=5)
        except BackendError:
            return None
        offset = result.stdout.strip()
        return (f"GMT{offset}", f"host {node.host} ({offset})") if result.ok and offset else None

    async def resolve_zone(self, node: Node, fmt: LineFormat) -> LineFormat:
        """`fmt` with the zone of its JVM when its pattern names none (`%d{…}` without a zone)."""
        if fmt.zone is not None or fmt.date is None or not fmt.date.has_date or "t_off" in fmt.date.groups:
            return fmt
        found = await self.jvm_zone(node)
        if found is None:
            return fmt
        zone, _ = java_zone(found[0])
        return fmt.with_zone(zone, f"the JVM's default zone: {found[1]}")

    # ---------------------------------------------------------- reading by (node, file)
    async def tail(self, node: Node, log: LogFile, count: int) -> tuple[Tail, FileStat]:
        return await tail(self.backend(node), log.path, count)

    async def read_before(self, node: Node, log: LogFile, end: int, count: int) -> Tail:
        return await read_before(self.backend(node), log.path, end, count)

    def follow(self, node: Node, log: LogFile, start: int | None, *, poll: float = 0.1) -> AsyncIterator[LineBatch]:
        return follow_lines(self.backend(node), log.path, start, poll=poll)

    async def last_entries(
        self, node: Node, log: LogFile, count: int, min_level: int, *, chunk: int = 2000, max_lines: int = 200_000
    ) -> tuple[list[list[str]], int, bool]:
        """The last `count` entries at `min_level` or above, each whole, oldest first; the byte
        offset they end at (to follow from); and whether the search gave up after `max_lines` lines
        before reaching the file's start.  Reads backwards in blocks, never the whole file."""
        shown, _ = await self.tail(node, log, chunk if count > 0 else 0)
        end, start, scanned = shown.end, shown.start, len(shown.lines)
        if count <= 0:
            return [], end, False
        fmt = log.format
        carry: list[str] = []  # lines at the top of the newer block, waiting for their entry line
        block = shown.lines
        picked: list[list[str]] = []  # newest first
        while True:
            entries = leveled_entries(block + carry, fmt)
            carry = []
            if entries and start > 0 and not fmt.is_header(entries[0][1][0]):
                carry = entries.pop(0)[1]  # its entry line is in the older bytes
            for level, entry in reversed(entries):
                if level >= min_level:
                    picked.append(entry)
                    if len(picked) >= count:
                        return picked[::-1], end, False
            if start == 0 or not block:
                return picked[::-1], end, False
            if scanned >= max_lines:
                return picked[::-1], end, True
            older = await self.read_before(node, log, start, chunk)
            block, start = older.lines, older.start
            scanned += len(block)
