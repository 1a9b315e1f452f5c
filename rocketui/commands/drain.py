"""`rocketui CLUSTER.yaml drain BROKER [--no-wait]`: make a master read-only so producers move to
other brokers, and watch its put TPS fall to zero (journaled; --dry-run prints the mqadmin line)."""

from __future__ import annotations

import argparse

from rocketui.commands._admin import add_change_arguments, finish
from rocketui.commands.context import CommandContext

NAME = "drain"
HELP = "drain a master (read-only; producers move away) and wait until no puts arrive"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("broker", help="broker name (its master is drained)")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for the put TPS to reach zero")
    add_change_arguments(parser)


def _tps(seconds: float, tps: float) -> None:
    print(f"{seconds:5.0f}s  put tps {tps:8.1f}", flush=True)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    outcome = await ctx.ops.admin.drain(
        args.broker, dry_run=args.dry_run, wait=not args.no_wait, progress=None if args.json else _tps
    )
    value = None
    if outcome.value is not None:
        value = {"drained": outcome.value.drained, "seconds": outcome.value.seconds, "samples": outcome.value.samples}
    return finish("drain", outcome, args, value)
