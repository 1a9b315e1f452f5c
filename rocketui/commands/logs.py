"""`rocketui CLUSTER.yaml logs NODE [--file NAME] [--lines N] [--follow] [--grep RE] [--list]`"""

from __future__ import annotations

import argparse
import re
import sys

from rocketui.commands.context import CommandContext, ContextError
from rocketui.services.logs import follow_lines, tail
from rocketui.text import human_bytes
from rocketui.widgets.log_view import smart_pattern

NAME = "logs"
HELP = "print (and follow) a node's log: the main log by default, or another with --file"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("node", help="node name from the cluster file")
    parser.add_argument("--file", help="log file name (broker.log, store.log, stdout.log, gc.log …); see --list")
    parser.add_argument("-n", "--lines", type=int, default=50, help="lines from the end to print first (default 50)")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines (like tail -F)")
    parser.add_argument(
        "--grep", metavar="RE", help="only lines matching this regex (case-insensitive unless it has upper case)"
    )
    parser.add_argument("--list", action="store_true", help="list the node's log files and sizes")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    node = ctx.select([args.node], False)[0]
    logs = ctx.ops.logs
    listed = await logs.files(node)
    if args.list:
        for f, st in listed:
            print(f"{f.name:<22} {human_bytes(st.size) if st else 'not yet':>10}  {f.path}")
        return 0
    pattern = None
    if args.grep:
        try:
            pattern = smart_pattern(args.grep)
        except re.error as exc:
            raise ContextError(f"--grep {args.grep!r}: invalid regex: {exc}") from None
    if args.file:
        chosen = [f for f, _ in listed if f.name == args.file or f.path == args.file]
        if not chosen:
            raise ContextError(
                f"{node.name} has no log file {args.file!r}; it has: " + ", ".join(f.name for f, _ in listed)
            )
        log = chosen[0]
    else:
        log, _ = await logs.main_file(node)
    backend = logs.backend(node)

    def emit(lines: list[str]) -> None:
        out = [line for line in lines if pattern is None or pattern.search(line)]
        if out:
            sys.stdout.write("\n".join(out) + "\n")
            sys.stdout.flush()

    start: int | None = None
    try:
        shown, _ = await tail(backend, log.path, max(args.lines, 0))
        emit(shown.lines)
        start = shown.end
    except FileNotFoundError:
        if not args.follow:
            print(f"rocketui: {node.name}: {log.path} does not exist (yet)", file=sys.stderr)
            return 1
        print(f"rocketui: {node.name}: waiting for {log.path}", file=sys.stderr)
    if args.follow:
        async for batch in follow_lines(backend, log.path, start):
            if batch.notice:
                print(f"rocketui: {log.path}: {batch.notice}", file=sys.stderr)
            emit(batch.lines)
    return 0
