"""`rocketui CLUSTER.yaml logs NODE [--file NAME] [-n N] [-f] [--grep RE] [--level L] [--list]`
and `rocketui CLUSTER.yaml logs --merged [NODE...] [-n N] [-f] [--level L]`: a node's log, or every
node's main log merged by time with a node tag per line, oldest first.

Lines are printed as the log wrote them (control characters made visible); `--host-time` shows
their stamps in this machine's zone instead, the clock `rocketui … journal` uses.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable

from rocketui.commands.context import CommandContext, ContextError
from rocketui.model.cluster import Node
from rocketui.rocketmq.log_entries import EntryFilter, merge_entries_by_time
from rocketui.rocketmq.log_format import Level, LineFormat, host_zone
from rocketui.rocketmq.logs import LogFile, smart_pattern
from rocketui.text import human_bytes, inert
from rocketui.usecases.logs import BackendError, LineBatch, LogQueries

NAME = "logs"
HELP = "print (and follow) a node's log, or every node's main log merged by time (--merged)"
NEEDS_CLUSTER = True
PREFIX = "rocketui logs:"
MERGE_WINDOW = 0.2  # seconds of followed lines merged by time before printing


def _level(text: str) -> int:
    level = Level.BY_NAME.get(text.upper())
    if level is None:
        raise argparse.ArgumentTypeError(f"{text!r} is no level; use one of {', '.join(Level.BY_NAME)}")
    return level


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "node", nargs="*", metavar="NODE", help="node name (with --merged: those to merge, default all)"
    )
    parser.add_argument("--file", help="log file name (broker.log, store.log, stdout.log, gc.log …); see --list")
    parser.add_argument(
        "-n",
        "--lines",
        type=int,
        default=50,
        help="lines from the end to print first (default 50); with --level: entries at that level",
    )
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines (like tail -F)")
    parser.add_argument(
        "--grep", metavar="RE", help="only lines matching this regex (case-insensitive unless it has upper case)"
    )
    parser.add_argument(
        "--level",
        type=_level,
        metavar="LEVEL",
        help="only entries at this level or above (TRACE DEBUG INFO WARN ERROR), each with its stack trace",
    )
    parser.add_argument("--merged", action="store_true", help="every node's main log merged by time, a tag per line")
    parser.add_argument("--host-time", action="store_true", help="stamps in this machine's zone, not as written")
    parser.add_argument("--list", action="store_true", help="list the node's log files and sizes")


def _fail(message: str) -> ContextError:
    # messages can name the host's log files: shown inert like everything else from a host
    return ContextError(inert(f"{PREFIX} {message}"))


def _out(lines: list[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()


def _note(message: str) -> None:
    """A line of rocketui's own on stderr; it quotes host errors and paths, so it is made inert."""
    print(inert(f"{PREFIX} {message}"), file=sys.stderr)


def _restamper(fmt: LineFormat, host_time: bool) -> Callable[[str], str]:
    if not host_time:
        return lambda line: line
    zone = host_zone()
    return lambda line: fmt.restamp(line, zone)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    pattern = None
    if args.grep:
        try:
            pattern = smart_pattern(args.grep)
        except re.error as exc:
            raise _fail(f"--grep {args.grep!r}: invalid regex: {exc}") from None
    try:
        if args.merged:
            if args.file or args.list:
                raise _fail("--merged shows each node's main log; --file and --list take one node")
            nodes = ctx.select(args.node, not args.node)
        else:
            if len(args.node) != 1:
                raise _fail("name one node (or use --merged); nodes: " + ", ".join(n.name for n in ctx.cluster.nodes))
            nodes = ctx.select(args.node, False)
    except ContextError as exc:
        if str(exc).startswith(PREFIX):
            raise
        raise _fail(str(exc)) from None
    logs = ctx.ops.logs
    try:
        if args.merged:
            return await _merged(args, logs, nodes, pattern)
        return await _one(args, logs, nodes[0], pattern)
    except BackendError as exc:
        _note(str(exc))
        return 1


async def _one(args: argparse.Namespace, logs: LogQueries, node: Node, pattern: re.Pattern[str] | None) -> int:
    listed = await logs.files(node)
    if args.list:
        for f, st in listed:
            # names and paths come from the host (its logback XML, its GC log directory)
            print(f"{inert(f.name):<22} {human_bytes(st.size) if st else 'not yet':>10}  {inert(f.path)}")
        return 0
    if args.file:
        chosen = [f for f, _ in listed if f.name == args.file or f.path == args.file]
        if not chosen:
            raise _fail(f"{node.name} has no log file {args.file!r}; it has: " + ", ".join(f.name for f, _ in listed))
        log = chosen[0]
    else:
        log = logs.main_of(listed)[0]
    fmt = await logs.resolve_zone(node, log.format)
    log = LogFile(log.name, log.path, fmt)
    if fmt.assumed and (args.level is not None or args.host_time):
        _note(f"note: {node.name} {log.name}: layout {fmt.origin}")
    restamp = _restamper(fmt, args.host_time)

    def emit(lines: list[str]) -> None:
        _out([restamp(line) for line in lines if pattern is None or pattern.search(line)])

    start: int | None = None
    try:
        if args.level is not None:
            entries, start, gave_up = await logs.last_entries(node, log, max(args.lines, 0), args.level)
            if gave_up:
                _note(f"{node.name} {log.name}: fewer than {args.lines} entries in the last 200,000 lines")
            _out([restamp(line) for e in entries if pattern is None or any(map(pattern.search, e)) for line in e])
        else:
            shown, _ = await logs.tail(node, log, max(args.lines, 0))
            emit(shown.lines)
            start = shown.end
    except FileNotFoundError:
        if not args.follow:
            _note(f"{node.name}: {log.path} does not exist (yet)")
            return 1
        _note(f"{node.name}: waiting for {log.path}")
    if args.follow:
        entry_filter = EntryFilter(fmt, args.level) if args.level is not None else None
        async for batch in logs.follow(node, log, start):
            if batch.notice:
                _note(f"{log.path}: {batch.notice}")
            emit(entry_filter.feed(batch.lines) if entry_filter else batch.lines)
    return 0


async def _merged(
    args: argparse.Namespace, logs: LogQueries, nodes: list[Node], pattern: re.Pattern[str] | None
) -> int:
    count = max(args.lines, 0)
    sources: dict[str, tuple[list[str], LineFormat]] = {}
    follows: dict[str, tuple[Node, LogFile, int | None]] = {}
    failed = False
    for node in nodes:
        try:
            main, _ = await logs.main_file(node)
            fmt = await logs.resolve_zone(node, main.format)
            main = LogFile(main.name, main.path, fmt)
            if fmt.assumed:
                _note(f"note: {node.name} {main.name}: layout {fmt.origin}")
            if args.level is not None:
                entries, end, _gave_up = await logs.last_entries(node, main, count, args.level)
                lines = [line for e in entries for line in e]
            else:
                shown, _ = await logs.tail(node, main, count)
                lines, end = shown.lines, shown.end
            sources[node.name] = (lines, fmt)
            follows[node.name] = (node, main, end)
        except FileNotFoundError as exc:
            _note(f"{node.name}: {exc} does not exist (yet)")
            if args.follow:
                follows[node.name] = (node, main, None)
        except BackendError as exc:
            _note(f"{node.name}: {exc}")
            failed = True
    width = max((len(n.name) for n in nodes), default=0)
    restampers = {tag: _restamper(fmt, args.host_time) for tag, (_, fmt) in sources.items()}
    formats = {tag: fmt for tag, (_, fmt) in sources.items()}
    formats.update({tag: log.format for tag, (_, log, _) in follows.items()})
    restampers.update({tag: _restamper(fmt, args.host_time) for tag, fmt in formats.items() if tag not in restampers})

    def emit(entries: list[tuple[str, list[str]]]) -> None:
        out = []
        for tag, entry in entries:
            if pattern is not None and not any(map(pattern.search, entry)):
                continue
            out += [f"{tag:<{width}} | {restampers[tag](line)}" for line in entry]
        _out(out)

    merged = merge_entries_by_time(sources)
    if args.level is None:  # the last N lines: cut an entry at the top like tail does
        cut: list[tuple[str, list[str]]] = []
        remaining = count
        for tag, entry in reversed(merged):
            if remaining <= 0:
                break
            cut.append((tag, entry[-remaining:]))
            remaining -= len(entry)
        merged = cut[::-1]
    else:
        merged = merged[-count:] if count else []
    emit(merged)
    if args.follow:
        await _follow_merged(args, logs, follows, formats, emit)
    return 1 if failed else 0


async def _follow_merged(
    args: argparse.Namespace,
    logs: LogQueries,
    follows: dict[str, tuple[Node, LogFile, int | None]],
    formats: dict[str, LineFormat],
    emit: Callable[[list[tuple[str, list[str]]]], None],
) -> None:
    """Every node's new lines, merged by time within each short window, as they come."""
    queue: asyncio.Queue[tuple[str, LineBatch]] = asyncio.Queue()

    async def pump(tag: str, node: Node, log: LogFile, start: int | None) -> None:
        try:
            async for batch in logs.follow(node, log, start):
                await queue.put((tag, batch))
        except BackendError as exc:
            _note(f"{tag}: stopped following {log.path}: {exc}")

    filters = {tag: EntryFilter(formats[tag], args.level) for tag in follows} if args.level is not None else {}
    tasks = [asyncio.create_task(pump(tag, *source)) for tag, source in follows.items()]
    try:
        while True:
            window: dict[str, list[str]] = {}
            tag, batch = await queue.get()
            await asyncio.sleep(MERGE_WINDOW)
            while True:
                if batch.notice:
                    _note(f"{tag}: {follows[tag][1].path}: {batch.notice}")
                lines = filters[tag].feed(batch.lines) if filters else batch.lines
                window.setdefault(tag, []).extend(lines)
                if queue.empty():
                    break
                tag, batch = queue.get_nowait()
            emit(merge_entries_by_time({t: (lines, formats[t]) for t, lines in window.items()}))
    finally:
        for task in tasks:
            task.cancel()
