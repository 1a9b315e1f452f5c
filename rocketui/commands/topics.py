"""`rocketui CLUSTER.yaml topics [--system] [--no-stats] [--json]`: every topic with its brokers,
queues, permission, message count and put TPS (`topics TOPIC` shows its queues and groups)."""

from __future__ import annotations

import argparse

from rocketui.commands._admin import print_json, show
from rocketui.commands.context import CommandContext
from rocketui.reports import topics as report

NAME = "topics"
HELP = "topics with brokers, queues, perm, messages, TPS (or one topic's queues and groups)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", nargs="?", help="show this topic's per-queue offsets and subscribed groups")
    parser.add_argument("--system", action="store_true", help="include system topics")
    parser.add_argument("--no-stats", action="store_true", help="skip message counts and TPS (one request per broker)")
    parser.add_argument("--json", action="store_true", help="print JSON")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    if args.topic:
        detail = await ctx.ops.admin.topic(args.topic)
        print_json(detail.to_json()) if args.json else show(report.detail_text(detail))
        return 0 if detail.route is not None else 1
    topics = await ctx.ops.admin.topics(stats=not args.no_stats)
    if args.json:
        print_json({**topics.to_json(), "topics": [r.to_json() for r in topics.rows if args.system or not r.system]})
    else:
        show(report.text(topics, system=args.system))
    return 1 if topics.errors and not topics.rows else 0
