"""Shared output of the `config set` and `jvm set` subcommands: diff, problems, notes, save."""

from __future__ import annotations

import argparse
import sys

from rocketui.commands.context import CommandContext, say
from rocketui.model.cluster import Node
from rocketui.services.config_edit import EditPlan
from rocketui.text import inert


def print_plan(plan: EditPlan, notes: list[str]) -> None:
    """The diff on stdout (not when the edit is refused); errors, warnings and notes on stderr
    (all inert: they quote file content)."""
    if plan.changed and not plan.errors:
        sys.stdout.write("".join(inert(line) + "\n" for line in plan.diff.splitlines()))
    elif not plan.errors:
        print(f"{inert(plan.loaded.path)}: no change")
    for problem in plan.problems:
        print(inert(str(problem)), file=sys.stderr)
    for note in [*plan.notes, *notes]:
        print(f"note: {inert(note)}", file=sys.stderr)


async def finish(command: str, args: argparse.Namespace, ctx: CommandContext, plan: EditPlan, node: Node) -> int:
    """Exit 2 on validation errors or read-only, 0 after a dry run or a save, 1 when the save failed."""
    if plan.errors:
        print(
            f"rocketui {command}: not saved: fix the error{'s' if len(plan.errors) > 1 else ''} above",
            file=sys.stderr,
        )
        return 2
    if args.dry_run or not plan.changed:
        if args.dry_run:
            print("dry run: nothing written", file=sys.stderr)
        return 0
    outcome = await ctx.ops.edits.save(node, plan, action=f"{command} save")
    return say(command, outcome)
