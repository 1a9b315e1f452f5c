"""`rocketui CLUSTER.yaml config NODE get [KEY...]` and `config NODE set KEY=VALUE... [--unset KEY] [--dry-run]`"""

from __future__ import annotations

import argparse
import sys

from rocketui.backends.base import BackendError
from rocketui.commands._edit import finish, print_plan
from rocketui.commands.context import CommandContext, ContextError
from rocketui.text import inert

NAME = "config"
HELP = "show or edit a broker's properties file (validated, diff first, atomic, keeps a backup)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("node", metavar="NODE", help="a broker of the cluster file")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{get,set}")
    get = actions.add_parser("get", help="print key=value lines (all keys of the file, or the ones named)")
    get.add_argument("keys", nargs="*", metavar="KEY")
    set_ = actions.add_parser("set", help="set keys; prints the diff, refuses invalid values (exit 2)")
    set_.add_argument("assignments", nargs="*", metavar="KEY=VALUE")
    set_.add_argument("--unset", action="append", default=[], metavar="KEY", help="remove a key (repeatable)")
    set_.add_argument("--dry-run", action="store_true", help="show the diff and problems; write nothing")
    set_.add_argument("--read-only", action="store_true", help="refuse to write (as read_only: true does)")


def parse_assignments(words: list[str]) -> dict[str, str]:
    """KEY=VALUE words -> dict; ValueError names the first malformed word."""
    result: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{word!r}: expected KEY=VALUE")
        result[key] = value
    return result


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from rocketui.rocketmq.broker_keys import SCHEMA, unknown_key_message
    from rocketui.rocketmq.properties_edit import PropertiesDoc
    from rocketui.services.config_edit import ConfigEditError

    edits = ctx.ops.edits
    try:
        node = ctx.select([args.node], False)[0]
        loaded = await edits.load_properties(node)
    except (ContextError, ConfigEditError) as exc:
        print(f"rocketui config: {inert(str(exc))}", file=sys.stderr)
        return 2
    except (BackendError, OSError) as exc:
        print(f"rocketui config: {inert(str(exc))}", file=sys.stderr)
        return 1
    known = await edits.known_keys(node)  # the key list of the release this broker runs
    if args.action == "get":
        try:
            doc = PropertiesDoc.parse(loaded.data)
        except ValueError as exc:
            print(f"rocketui config: {inert(loaded.path)}: cannot parse: {inert(str(exc))}", file=sys.stderr)
            return 1
        values = doc.as_dict()
        code = 0
        for key in args.keys or list(values):
            if key in values:
                print(inert(f"{key}={values[key]}"))
            elif key in known:
                default = SCHEMA[key].default if key in SCHEMA else None
                print(
                    f"{inert(key)}: not set in {inert(loaded.path)}"
                    + (f" (RocketMQ default: {default})" if default else ""),
                    file=sys.stderr,
                )
                code = max(code, 1)
            else:
                print(f"rocketui config: {inert(unknown_key_message(key, known))}", file=sys.stderr)
                code = 2
        return code
    try:
        assignments = parse_assignments(args.assignments)
    except ValueError as exc:
        print(f"rocketui config: {inert(str(exc))}", file=sys.stderr)
        return 2
    if not assignments and not args.unset:
        print("rocketui config: nothing to do; give KEY=VALUE or --unset KEY", file=sys.stderr)
        return 2
    try:
        plan = edits.plan_properties(loaded, node, assignments, args.unset, known=known)
    except ConfigEditError as exc:
        print(f"rocketui config: {inert(str(exc))}", file=sys.stderr)
        return 2
    print_plan(plan, [])
    return await finish("config", args, ctx, plan, node)
