"""`rocketui CLUSTER.yaml msg --id ID [--topic T] | --topic T --key K [--json]`: find messages by
offset id or unique key, or by key; properties, store time/host, body preview, and per
subscribed group whether it consumed the message."""

from __future__ import annotations

import argparse
import sys

from rocketui.commands._admin import print_json, show
from rocketui.commands.context import CommandContext
from rocketui.reports import admin_misc
from rocketui.services.admin_clients import AdminError

NAME = "msg"
HELP = "look a message up by id or by topic + key"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", help="offset message id or unique key (UNIQ_KEY)")
    parser.add_argument("--topic", help="topic (needed with --key; narrows a unique-key search)")
    parser.add_argument("--key", help="message key (KEYS)")
    parser.add_argument("--json", action="store_true", help="print JSON")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    if bool(args.id) == bool(args.key) or (args.key and not args.topic):
        print("rocketui msg: give --id ID, or --topic T --key K", file=sys.stderr)
        return 2
    admin = ctx.ops.admin
    try:
        found = await (
            admin.message_by_id(args.id, args.topic) if args.id else admin.message_by_key(args.topic, args.key)
        )
    except AdminError as exc:
        print(f"rocketui msg: {exc}", file=sys.stderr)
        return 2
    print_json([f.to_json() for f in found]) if args.json else show(admin_misc.messages_text(found))
    return 0 if found else 1
