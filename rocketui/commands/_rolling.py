"""`rocketui CLUSTER.yaml restart --rolling [BROKER…] [--dry-run]` (called by restart.py)."""

from __future__ import annotations

import argparse
import sys

from rocketui.commands._lifecycle import progress
from rocketui.commands.context import CommandContext, ContextError


async def run_rolling(args: argparse.Namespace, ctx: CommandContext) -> int:
    from rocketui.services.nodes import NodeError
    from rocketui.services.rolling import rolling_order, rolling_restart

    try:
        names = [n.name for n in ctx.select(args.nodes, True if not args.nodes else args.all)]
    except ContextError as exc:
        print(f"rocketui restart --rolling: {exc}", file=sys.stderr)
        return 2
    order = rolling_order(ctx.cluster, names)
    if not order:
        print(
            "rocketui restart --rolling: no brokers selected (namesrvs are not part of a rolling restart)",
            file=sys.stderr,
        )
        return 2
    print("rolling restart order: " + " → ".join(n.name for n in order), flush=True)
    if args.dry_run:
        return 0
    try:
        report = await rolling_restart(ctx.nodes, names, progress=progress)
    except NodeError as exc:  # e.g. read-only mode
        print(f"rocketui restart --rolling: {exc}", file=sys.stderr)
        return 1
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1
