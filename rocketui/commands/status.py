"""`rocketui CLUSTER.yaml status [--json]`"""

from __future__ import annotations

import argparse
import json
import sys

from rocketui.commands.context import CommandContext
from rocketui.reports.status import status_table

NAME = "status"
HELP = "show every node's state, pid, uptime and namesrv registration (exit 1 when a host is unreachable)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    cluster = ctx.cluster
    statuses = await ctx.ops.status_all()
    if args.json:
        doc = {"cluster": cluster.name, "nodes": [statuses[n.name].to_json() for n in cluster.nodes]}
        print(json.dumps(doc, indent=2))
    else:
        print(status_table(cluster, statuses))
    down = sorted({n.host for n in cluster.nodes if statuses[n.name].host_state.startswith("unreachable")})
    if down:
        every = len(down) == len({n.host for n in cluster.nodes})
        print(
            f"rocketui status: {'no host answered' if every else 'unreachable'}: {', '.join(down)}",
            file=sys.stderr,
        )
        return 1
    return 0
