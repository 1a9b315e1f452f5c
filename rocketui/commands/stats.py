"""`rocketui CLUSTER.yaml stats [--json]`: broker runtime figures (put/get TPS, disk, commitlog max
offset, dispatch lag) and what each namesrv knows."""

from __future__ import annotations

import argparse

from rocketui.commands._admin import print_json, show
from rocketui.commands.context import CommandContext
from rocketui.reports import admin_misc

NAME = "stats"
HELP = "broker runtime: put/get TPS, disk, commitlog offset, dispatch lag; namesrv counts"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    report = await ctx.ops.admin.broker_stats()
    print_json(report.to_json()) if args.json else show(admin_misc.stats_text(report))
    return 1 if any(b.error for b in report.brokers) else 0
