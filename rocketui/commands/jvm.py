"""`rocketui CLUSTER.yaml jvm NODE get` and `jvm NODE set --xms 512m --xmx 512m ... [--dry-run]`"""

from __future__ import annotations

import argparse
import sys

from rocketui.backends.base import BackendError
from rocketui.commands._edit import finish, print_plan
from rocketui.commands.context import CommandContext, ContextError
from rocketui.model.cluster import Node
from rocketui.text import inert

NAME = "jvm"
HELP = "show or edit the heap/metaspace/direct memory flags in a node's runserver.sh/runbroker.sh"
NEEDS_CLUSTER = True

# option -> flag name in rocketui.rocketmq.jvm_script.FLAGS
OPTIONS = {
    "xms": "Xms",
    "xmx": "Xmx",
    "xmn": "Xmn",
    "metaspace": "MetaspaceSize",
    "max_metaspace": "MaxMetaspaceSize",
    "max_direct": "MaxDirectMemorySize",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("node", metavar="NODE", help="a node of the cluster file (its kind picks the script)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="{get,set}")
    actions.add_parser("get", help="the script's memory flags, who shares it, and whether running JVMs match")
    set_ = actions.add_parser("set", help="set memory flags in the script; prints the diff (exit 2 when invalid)")
    set_.add_argument("--xms", metavar="SIZE", help="initial heap, like 512m or 4g")
    set_.add_argument("--xmx", metavar="SIZE", help="maximum heap")
    set_.add_argument("--xmn", metavar="SIZE", help="young generation ('none' removes it)")
    set_.add_argument("--metaspace", metavar="SIZE", help="-XX:MetaspaceSize ('none' removes it)")
    set_.add_argument("--max-metaspace", metavar="SIZE", help="-XX:MaxMetaspaceSize ('none' removes it)")
    set_.add_argument("--max-direct", metavar="SIZE", help="-XX:MaxDirectMemorySize ('none' removes it)")
    set_.add_argument("--dry-run", action="store_true", help="show the diff and problems; write nothing")
    set_.add_argument("--read-only", action="store_true", help="refuse to write (as read_only: true does)")


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from rocketui.services.config_edit import ConfigEditError

    try:
        node = ctx.select([args.node], False)[0]
        loaded = await ctx.ops.edits.load_script(node)
    except (ContextError, ConfigEditError) as exc:
        print(f"rocketui jvm: {inert(str(exc))}", file=sys.stderr)
        return 2
    except (BackendError, OSError) as exc:
        print(f"rocketui jvm: {inert(str(exc))}", file=sys.stderr)
        return 1
    if args.action == "get":
        return await _get(ctx, node, loaded.path, loaded.data)
    return await _set(args, ctx, node, loaded)


async def _get(ctx: CommandContext, node: Node, path: str, data: bytes) -> int:
    from rocketui.rocketmq import jvm_script
    from rocketui.services.config_edit import cluster_file_overrides, nodes_sharing_script

    info = jvm_script.scan(data.decode("latin-1"))
    print(f"{node.host}:{inert(path)}")
    for flag in jvm_script.FLAGS:
        print(f"  {jvm_script.FLAGS[flag].rstrip('='):<26} {inert(info.describe(flag))}")
    for line in info.blocked():
        print(f"  line {line.number} cannot be edited ({line.reason}): {inert(line.text.strip())}")
    for line in info.untouched:
        print(f"  line {line.number} is never edited ({line.reason}): {inert(line.text.strip())}")
    for problem in info.problems():
        print(f"  problem: {inert(problem)}")
    for other in nodes_sharing_script(ctx.cluster, node):
        overrides = cluster_file_overrides(other)
        if overrides:
            shown = " ".join(jvm_script.token(f, v) for f, v in overrides.items())
            print(f"{other.name}: the cluster file overrides {shown} (JAVA_OPT_EXT)")
    for user in await ctx.ops.edits.script_users(node, data):
        print(inert(user.line()))
    return 0


async def _set(args: argparse.Namespace, ctx: CommandContext, node: Node, loaded: object) -> int:
    from rocketui.services.config_edit import Loaded

    assert isinstance(loaded, Loaded)
    edits = ctx.ops.edits
    changes: dict[str, str | None] = {}
    for option, flag in OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            changes[flag] = None if value.lower() == "none" else value
    if not changes:
        print(
            "rocketui jvm: nothing to do; give --xms, --xmx, --xmn, --metaspace, --max-metaspace or --max-direct",
            file=sys.stderr,
        )
        return 2
    plan = edits.plan_script(loaded, changes)
    print_plan(plan, edits.script_notes(node, changes) if not plan.errors else [])
    code = await finish("jvm", args, ctx, plan, node)
    if code == 0 and plan.changed and not args.dry_run:
        for user in await edits.script_users(node, plan.new):
            if user.needs_restart:
                print(f"note: {inert(user.line())}", file=sys.stderr)
    return code
