"""`rocketui CLUSTER.yaml undrain BROKER`: make a drained master writable again."""

from __future__ import annotations

import argparse

from rocketui.commands._admin import add_change_arguments, finish
from rocketui.commands.context import CommandContext

NAME = "undrain"
HELP = "make a drained master writable again"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("broker", help="broker name")
    add_change_arguments(parser)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    return finish("undrain", await ctx.ops.admin.drain(args.broker, undo=True, dry_run=args.dry_run), args)
