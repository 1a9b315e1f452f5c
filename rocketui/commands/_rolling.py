"""`rocketui CLUSTER.yaml restart --rolling [BROKER…] [--dry-run]` (called by restart.py)."""

from __future__ import annotations

import argparse
import sys

from rocketui.commands._lifecycle import progress
from rocketui.commands.context import CommandContext, ContextError, say


async def run_rolling(args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        names = [n.name for n in ctx.select(args.nodes, True if not args.nodes else args.all)]
    except ContextError as exc:
        print(f"rocketui restart --rolling: {exc}", file=sys.stderr)
        return 2
    lifecycle = ctx.ops.lifecycle
    order = lifecycle.rolling_order(names)
    if not order:
        print(
            "rocketui restart --rolling: no brokers selected (namesrvs are not part of a rolling restart)",
            file=sys.stderr,
        )
        return 2
    print("rolling restart order: " + " → ".join(n.name for n in order), flush=True)
    drain = not getattr(args, "no_drain", False)
    if drain:
        print(
            "each master is drained (brokerPermission=4) before it stops and while a SYNC_MASTER's slave "
            "restarts, then made writable again",
            file=sys.stderr,
            flush=True,
        )
    if args.dry_run:
        return 0
    outcome = await lifecycle.rolling_restart(names, progress=progress, drain=drain)
    return say("restart --rolling", outcome, ok_to_stdout=True)
