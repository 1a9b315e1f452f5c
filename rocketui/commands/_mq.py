"""Shared by the produce / consume / health subcommands: which namesrvs to ask."""

from __future__ import annotations

import argparse

from rocketui.commands.context import CommandContext, ContextError


def add_namesrv_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--namesrv",
        action="append",
        metavar="HOST:PORT",
        help="namesrv to ask instead of the cluster file's (repeatable; the next one is asked when one is down)",
    )


def namesrvs(args: argparse.Namespace, ctx: CommandContext) -> list[str]:
    given = [a.strip() for value in (args.namesrv or []) for a in value.split(";") if a.strip()]
    addrs = ctx.ops.mq.namesrvs(given)
    if not addrs:
        raise ContextError(f"{ctx.cluster.source} defines no namesrv; pass --namesrv HOST:PORT")
    return addrs
