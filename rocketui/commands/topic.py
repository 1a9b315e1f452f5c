"""`rocketui CLUSTER.yaml topic create|update|delete NAME [...]`: a topic on every master of the
cluster (or the brokers named) and their slaves; delete at the brokers, then the namesrvs.
Shows the equivalent mqadmin lines; --dry-run prints only them."""

from __future__ import annotations

import argparse

from rocketui.commands._admin import add_change_arguments, finish
from rocketui.commands.context import CommandContext
from rocketui.services.topic_replicas import TopicSpec

NAME = "topic"
HELP = "create, update or delete a topic (journaled; --dry-run prints the mqadmin lines)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("verb", choices=("create", "update", "delete"))
    parser.add_argument("name", help="topic name")
    parser.add_argument("-r", "--read-queues", type=int, default=8, help="read queues per broker (default 8)")
    parser.add_argument("-w", "--write-queues", type=int, default=8, help="write queues per broker (default 8)")
    parser.add_argument("-p", "--perm", type=int, default=6, choices=(2, 4, 6), help="2 write, 4 read, 6 both")
    parser.add_argument("--order", action="store_true", help="an ordered topic")
    parser.add_argument("--broker", action="append", metavar="NAME", help="only these broker names (repeatable)")
    add_change_arguments(parser)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    admin = ctx.ops.admin
    if args.verb == "delete":
        return finish("topic delete", await admin.delete_topic(args.name, dry_run=args.dry_run), args)
    spec = TopicSpec(args.name, args.read_queues, args.write_queues, args.perm, args.order)
    created = await admin.create_topic(spec, args.broker, update=args.verb == "update", dry_run=args.dry_run)
    return finish(f"topic {args.verb}", created, args, created.value)
