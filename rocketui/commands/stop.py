"""`rocketui CLUSTER.yaml stop NODE...|--all`"""

from __future__ import annotations

import argparse

from rocketui.commands._lifecycle import add_node_arguments, run_action
from rocketui.commands.context import CommandContext

NAME = "stop"
HELP = {
    "start": "start nodes (namesrvs first; waits until ready and registered)",
    "stop": "stop nodes by signalling exactly their JVM (never mqshutdown)",
    "restart": "stop then start nodes",
}["stop"]
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_node_arguments(parser, force=True)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    return await run_action("stop", args, ctx)
