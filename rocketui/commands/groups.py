"""`rocketui CLUSTER.yaml groups [--json]`: every consumer group with its online clients, consume
TPS, lag and the age of its oldest unconsumed message."""

from __future__ import annotations

import argparse

from rocketui.commands._admin import print_json, show
from rocketui.commands.context import CommandContext
from rocketui.reports import groups as report

NAME = "groups"
HELP = "consumer groups: online clients, consume TPS, lag, oldest unconsumed message"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    groups = await ctx.ops.admin.groups()
    print_json(groups.to_json()) if args.json else show(report.text(groups))
    return 1 if groups.errors and not groups.rows else 0
