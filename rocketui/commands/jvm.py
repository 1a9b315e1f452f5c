"""`rocketui CLUSTER.yaml jvm NODE get` and `jvm NODE set --xms 512m --xmx 512m ... [--dry-run]`"""

from __future__ import annotations

import argparse
import sys

from rocketui.backends.base import Backend, BackendError
from rocketui.commands._edit import finish, print_plan
from rocketui.commands.context import CommandContext, ContextError
from rocketui.model.cluster import Cluster, Node

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


async def _restart_lines(cluster: Cluster, backend: Backend, node: Node, script: bytes) -> list[str]:
    """One line per node sharing the script: running and matching, needing a restart, or stopped."""
    from rocketui.rocketmq.jvm_script import running_flags, token
    from rocketui.services.config_edit import nodes_sharing_script, restart_reasons, running_jvm

    processes = await backend.processes("java")
    lines = []
    for other in nodes_sharing_script(cluster, node):
        proc = await running_jvm(cluster, backend, other, processes)
        if proc is None:
            lines.append(f"{other.name}: not running")
            continue
        flags = " ".join(token(f, v) for f, v in running_flags(proc.argv).items()) or "no memory flags"
        reasons = restart_reasons(other, script, proc)
        state = ("restart needed: " + "; ".join(reasons)) if reasons else "matches the script"
        lines.append(f"{other.name}: running (pid {proc.pid}) with {flags}; {state}")
    return lines


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from rocketui.rocketmq import jvm_script
    from rocketui.services.config_edit import (
        ConfigEditError,
        cluster_file_overrides,
        load_node_script,
        nodes_sharing_script,
        plan_script,
        script_notes,
    )

    try:
        node = ctx.select([args.node], False)[0]
        backend = ctx.backend(node.host)
        loaded = await load_node_script(ctx.cluster, backend, node)
    except (ContextError, ConfigEditError) as exc:
        print(f"rocketui jvm: {exc}", file=sys.stderr)
        return 2
    except (BackendError, OSError) as exc:
        print(f"rocketui jvm: {exc}", file=sys.stderr)
        return 1
    if args.action == "get":
        info = jvm_script.scan(loaded.data.decode("latin-1"))
        print(f"{node.host}:{loaded.path}")
        for flag in jvm_script.FLAGS:
            print(f"  {jvm_script.FLAGS[flag].rstrip('='):<26} {info.describe(flag)}")
        for line in info.blocked():
            print(f"  line {line.number} cannot be edited ({line.reason}): {line.text.strip()}")
        for problem in info.problems():
            print(f"  problem: {problem}")
        for other in nodes_sharing_script(ctx.cluster, node):
            overrides = cluster_file_overrides(other)
            if overrides:
                print(
                    f"{other.name}: the cluster file overrides "
                    + " ".join(jvm_script.token(f, v) for f, v in overrides.items())
                    + " (JAVA_OPT_EXT)"
                )
        for line in await _restart_lines(ctx.cluster, backend, node, loaded.data):
            print(line)
        return 0
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
    plan = plan_script(loaded, changes)
    notes = script_notes(ctx.cluster, node, changes) if not plan.errors else []
    print_plan(plan, notes)
    code = await finish("jvm", args, ctx, backend, plan, node)
    if code == 0 and plan.changed:
        for line in await _restart_lines(ctx.cluster, backend, node, plan.new):
            if "restart needed" in line:
                print(f"note: {line}", file=sys.stderr)
    return code
