"""`rocketui CLUSTER.yaml elect NODE`: make a controller-mode broker the master of its group (the
controllers' elect request, what `mqadmin electMaster` sends; the old master turns slave in place)."""

from __future__ import annotations

import argparse

from rocketui.commands.context import CommandContext, say

NAME = "elect"
HELP = "make a controller-mode broker the master of its group (it must be in the sync-state set)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("node", help="the broker to make master")
    parser.add_argument("--read-only", action="store_true", help="refuse (as read_only: true does)")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    (node,) = ctx.select([args.node], False)
    return say("elect", await ctx.ops.election.elect(node), ok_to_stdout=True)
