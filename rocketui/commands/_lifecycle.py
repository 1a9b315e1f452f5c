"""Shared body of the start / stop / restart subcommands."""

from __future__ import annotations

import argparse
import sys

from rocketui.commands.context import CommandContext, ContextError
from rocketui.services.node_status import NodeState
from rocketui.services.nodes import NodeError


def add_node_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("nodes", nargs="*", metavar="NODE", help="node names from the cluster file")
    parser.add_argument("--all", action="store_true", help="every node, in dependency order")
    parser.add_argument("--read-only", action="store_true", help="refuse to change anything")
    parser.add_argument("--dry-run", action="store_true", help="print the commands without running them")


def progress(node: str, message: str) -> None:
    print(f"{node}: {message}", flush=True)


async def run_action(action: str, args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        nodes = ctx.select(args.nodes, args.all)
    except ContextError as exc:
        print(f"rocketui {action}: {exc}", file=sys.stderr)
        return 2
    service = ctx.nodes
    if args.dry_run:  # exactly what the journal would record for a real run
        if args.all:
            levels = service.start_levels()
            nodes = [n for level in (reversed(levels) if action == "stop" else levels) for n in level]
        for node in nodes:
            lines = await service.plan(action, node)
            for line in lines:
                print(f"{node.name}: {line}")
            if not lines:
                print(f"{node.name}: nothing to do ({'not running' if action == 'stop' else 'already running'})")
        return 0
    ok = True
    try:
        if args.all and action == "start":
            results = await service.start_all(progress=progress)
            ok = all(s.state is NodeState.RUNNING for s in results.values()) and len(results) == len(nodes)
        elif args.all and action == "stop":
            results = await service.stop_all(progress=progress)
            ok = all(s.state is NodeState.STOPPED for s in results.values())
        else:
            for node in nodes:
                method = {"start": service.start, "stop": service.stop, "restart": service.restart}[action]
                status = await method(node, progress=progress)
                want = NodeState.STOPPED if action == "stop" else NodeState.RUNNING
                if status.state is not want:
                    ok = False
                    print(f"{node.name}: {status.state.value}: {status.message}", file=sys.stderr)
    except NodeError as exc:
        print(f"rocketui {action}: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1
