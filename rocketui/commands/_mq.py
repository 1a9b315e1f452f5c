"""Shared by the produce / consume / health subcommands: which namesrvs to ask, and how to
reach them (through the cluster's backends, so SSH hosts are tunnelled)."""

from __future__ import annotations

import argparse

from rocketui.commands.context import CommandContext, ContextError
from rocketui.rocketmq.remoting.client import Connector
from rocketui.services.mq_route import cluster_connector, cluster_namesrvs


def add_namesrv_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--namesrv",
        action="append",
        metavar="HOST:PORT",
        help="namesrv to ask instead of the cluster file's (repeatable; the next one is asked when one is down)",
    )


def namesrvs(args: argparse.Namespace, ctx: CommandContext) -> list[str]:
    given = [a.strip() for value in (args.namesrv or []) for a in value.split(";") if a.strip()]
    addrs = given or cluster_namesrvs(ctx.cluster)
    if not addrs:
        raise ContextError(f"{ctx.cluster.source} defines no namesrv; pass --namesrv HOST:PORT")
    return addrs


def connector(ctx: CommandContext) -> Connector:
    assert ctx.pool is not None
    return cluster_connector(ctx.cluster, ctx.pool)


def ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
