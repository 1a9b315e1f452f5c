"""`rocketui CLUSTER.yaml restart NODE...|--all`"""

from __future__ import annotations

import argparse

from rocketui.commands._lifecycle import add_node_arguments, run_action
from rocketui.commands.context import CommandContext

NAME = "restart"
HELP = {
    "start": "start nodes (namesrvs first; waits until ready and registered)",
    "stop": "stop nodes by signalling exactly their JVM (never mqshutdown)",
    "restart": "stop then start nodes",
}["restart"]
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_node_arguments(parser)
    parser.add_argument(
        "--rolling",
        action="store_true",
        help="brokers one at a time, slaves before their master, "
        "each waited for until registered at every namesrv; stops at the first failure",
    )
    parser.add_argument(
        "--no-drain",
        action="store_true",
        help="with --rolling: do not drain masters (sends to a stopping or unsynced master can fail)",
    )


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.rolling:
        from rocketui.commands._rolling import run_rolling

        return await run_rolling(args, ctx)
    return await run_action("restart", args, ctx)
