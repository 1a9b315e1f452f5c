"""`rocketui CLUSTER.yaml journal [--since AGE|DATE] [--all-clusters] [--json]`"""

from __future__ import annotations

import argparse

from rocketui.commands.context import CommandContext, ContextError
from rocketui.text import inert
from rocketui.usecases.journal import Journal, parse_since

NAME = "journal"
HELP = "list what rocketui changed on this cluster's hosts: who, when, which commands, outcome"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="only entries newer than an age (30m, 2h, 7d) or an ISO date/time")
    parser.add_argument("--all-clusters", action="store_true", help="entries of every cluster file, not only this one")
    parser.add_argument("--json", action="store_true", help="one JSON object per line, as stored")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    import os

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        raise ContextError(str(exc)) from None
    journal = Journal()
    cluster = None if args.all_clusters else os.path.abspath(ctx.cluster.source)
    entries = list(journal.entries(since=since, cluster=cluster))
    if args.json:
        for e in entries:
            print(e.to_json())  # as stored
        return 0
    if not entries:
        print(f"no journal entries{' since ' + args.since if args.since else ''} in {journal.path}")
        return 0
    for e in entries:
        target = f"{e.node}@{e.host}" if e.node else e.cluster
        tail = f"  {e.error}" if e.error else ""
        line = f"{e.when()}  {e.user:<8} {e.action:<12} {target:<24} {e.outcome:<6} {e.duration:6.1f}s{tail}"
        print(inert(line))  # the journal stores what hosts said, raw; it is shown inert
        for c in e.commands:
            print(f"    $ {inert(c)}")
        for f in e.files:
            print(f"    wrote {inert(f)}")
    return 0
