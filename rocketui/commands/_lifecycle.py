"""Shared body of the start / stop / restart subcommands."""

from __future__ import annotations

import argparse
import sys

from rocketui.commands.context import CommandContext, ContextError
from rocketui.model.cluster import Node
from rocketui.text import inert
from rocketui.usecases.lifecycle import BatchReport


def add_node_arguments(parser: argparse.ArgumentParser, *, force: bool = False) -> None:
    parser.add_argument("nodes", nargs="*", metavar="NODE", help="node names from the cluster file")
    parser.add_argument("--all", action="store_true", help="every node, in dependency order")
    parser.add_argument("--read-only", action="store_true", help="refuse to change anything")
    parser.add_argument("--dry-run", action="store_true", help="print the commands without running them")
    if force:
        parser.add_argument(
            "--force",
            action="store_true",
            help="with --all: stop the namesrvs even when a broker could not be stopped (its host unreachable)",
        )


def progress(node: str, message: str) -> None:
    print(f"{node}: {inert(message)}", flush=True)


def counted(done: int, total: int, failed: list[str]) -> None:
    print(f"[{done}/{total}]" + (f" failed so far: {', '.join(failed)}" if failed else ""), flush=True)


async def run_action(action: str, args: argparse.Namespace, ctx: CommandContext) -> int:
    try:
        nodes = ctx.select(args.nodes, args.all)
    except ContextError as exc:
        print(f"rocketui {action}: {exc}", file=sys.stderr)
        return 2
    lifecycle = ctx.ops.lifecycle
    if args.all:
        nodes = lifecycle.order("stop" if action == "stop" else "start")
    if args.dry_run:  # exactly what the journal would record for a real run
        return await _dry_run(action, ctx, nodes)
    if args.all and action in ("start", "stop"):
        if action == "start":
            batch = await lifecycle.start_all(progress=progress, on_count=counted)
        else:
            batch = await lifecycle.stop_all(progress=progress, on_count=counted, force=getattr(args, "force", False))
        if batch.value is not None:
            _print_batch(batch.value)
        if not batch.ok:
            print(f"rocketui {action}: {inert(batch.summary)}", file=sys.stderr)
        return batch.exit_code
    code = 0
    for node in nodes:
        call = {"start": lifecycle.start, "stop": lifecycle.stop, "restart": lifecycle.restart}[action]
        outcome = await call(node, progress=progress)
        if not outcome.ok:
            print(f"rocketui {action}: {node.name}: {inert(outcome.summary)}", file=sys.stderr)
            code = max(code, outcome.exit_code)
    return code


async def _dry_run(action: str, ctx: CommandContext, nodes: list[Node]) -> int:
    for node, lines in await ctx.ops.lifecycle.plan(action, nodes):
        for line in lines:
            print(f"{node.name}: {inert(line)}")
        if not lines:
            print(f"{node.name}: nothing to do ({'not running' if action == 'stop' else 'already running'})")
    return 0


def _print_batch(report: BatchReport) -> None:
    for name in report.order:
        if name in report.failed:
            print(f"{name}: FAILED: {inert(report.failed[name])}", file=sys.stderr)
        elif name in report.skipped:
            verb = "started" if report.action == "start" else "stopped"
            print(f"{name}: not {verb}: {inert(report.skipped[name])}", file=sys.stderr)
        elif name in report.results:
            print(f"{name}: {report.results[name].state.value}")
