"""`rocketui CLUSTER.yaml reset-offset GROUP --to TIME|earliest|latest [--topic T]`: preview old →
new offsets per queue, reset at the brokers, read the offsets back (journaled; --dry-run prints
the preview and the mqadmin lines)."""

from __future__ import annotations

import argparse
import sys

from rocketui.commands._admin import add_change_arguments, finish, show
from rocketui.commands.context import CommandContext
from rocketui.reports import admin_misc
from rocketui.services.admin_clients import AdminError
from rocketui.services.offsets_reset import parse_target
from rocketui.text import inert

NAME = "reset-offset"
HELP = "reset a consumer group's offsets to a time, earliest or latest (preview, verify)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("group")
    parser.add_argument(
        "--to",
        required=True,
        metavar="TIME",
        help="earliest, latest, epoch milliseconds, 'YYYY-MM-DD HH:MM[:SS]' (local time) or -30m/-2h/-1d ago",
    )
    parser.add_argument(
        "--topic", action="append", help="only this topic (repeatable; default: every topic it consumed)"
    )
    add_change_arguments(parser)


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        target = parse_target(args.to)
    except ValueError as exc:
        print(f"rocketui reset-offset: {inert(str(exc))}", file=sys.stderr)
        return 2
    admin = ctx.ops.admin
    try:
        plan = await admin.reset_preview(args.group, target, args.topic)
    except AdminError as exc:
        print(f"rocketui reset-offset: {inert(str(exc))}", file=sys.stderr)
        return 2
    if not args.json:
        show(admin_misc.reset_text(plan))
    outcome = await admin.reset_offsets(plan, dry_run=args.dry_run)
    value = None
    if outcome.value is not None:
        value = {
            "read_back": {str(q): o for q, o in outcome.value.read_back.items()},
            "mismatched": outcome.value.mismatched,
        }
    return finish("reset-offset", outcome, args, {"preview": plan.to_json(), **(value or {})})
