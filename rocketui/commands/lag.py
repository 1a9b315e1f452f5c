"""`rocketui CLUSTER.yaml lag GROUP [--json]`: a group's lag per topic and queue, worst first, with
its clients and last consume time."""

from __future__ import annotations

import argparse

from rocketui.commands._admin import print_json, show
from rocketui.commands.context import CommandContext
from rocketui.reports import groups as report

NAME = "lag"
HELP = "one consumer group's lag per topic and queue, worst first"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("group")
    parser.add_argument("--json", action="store_true", help="print JSON")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    detail = await ctx.ops.admin.group(args.group)
    if args.json:
        print_json({"groups": [r.to_json(queues=True) for r in detail.rows], "errors": detail.errors})
    else:
        show(report.detail_text(detail))
    return 0 if any(r.queues for r in detail.rows) else 1
