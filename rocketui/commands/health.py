"""`rocketui CLUSTER.yaml health [--json]`: every registered and defined broker with its
version, TPS and disk use, compared with the cluster file; exit 1 when a problem is flagged
(warnings alone exit 0)."""

from __future__ import annotations

import argparse
import json

from rocketui.commands._mq import add_namesrv_argument, namesrvs
from rocketui.commands.context import CommandContext
from rocketui.reports import health as health_report
from rocketui.text import inert

NAME = "health"
HELP = "cluster health: brokers per namesrv with version, TPS, disk, problems (exit 1 if any)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--timeout", type=float, default=3.0, help="per-request timeout in seconds (default 3)")
    add_namesrv_argument(parser)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    report = await ctx.ops.mq.health(namesrvs=namesrvs(args, ctx), timeout=args.timeout)
    print(json.dumps(report.to_json(), indent=2) if args.json else inert(health_report.text(report), newlines=True))
    return 0 if report.ok else 1
