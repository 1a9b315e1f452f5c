"""`rocketui CLUSTER.yaml status [--json]`"""

from __future__ import annotations

import argparse
import json

from rocketui.commands.context import CommandContext
from rocketui.services.formatting import status_table

NAME = "status"
HELP = "show every node's state, pid, uptime and namesrv registration"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    statuses = await ctx.nodes.status_all()
    if args.json:
        print(
            json.dumps(
                {"cluster": ctx.cluster.name, "nodes": [statuses[n.name].to_json() for n in ctx.cluster.nodes]},
                indent=2,
            )
        )
    else:
        print(status_table(ctx.cluster, statuses))
    return 0
