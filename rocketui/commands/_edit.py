"""Shared output of the `config set` and `jvm set` subcommands: diff, problems, notes, save."""

from __future__ import annotations

import argparse
import sys

from rocketui.backends.base import Backend, BackendError
from rocketui.commands.context import CommandContext
from rocketui.model.cluster import Node
from rocketui.services.config_edit import ConfigConflict, ConfigEditError, EditPlan, save
from rocketui.services.nodes import ReadOnlyError


def print_plan(plan: EditPlan, notes: list[str]) -> None:
    """The diff on stdout; errors, warnings and notes on stderr."""
    if plan.changed:
        sys.stdout.write(plan.diff)
    elif not plan.errors:
        print(f"{plan.loaded.path}: no change")
    for problem in plan.problems:
        print(str(problem), file=sys.stderr)
    for note in [*plan.notes, *notes]:
        print(f"note: {note}", file=sys.stderr)


async def finish(
    command: str, args: argparse.Namespace, ctx: CommandContext, backend: Backend, plan: EditPlan, node: Node
) -> int:
    """Exit 2 on validation errors, 0 after a dry run or a save, 1 when the save failed."""
    if plan.errors:
        print(
            f"rocketui {command}: not saved: fix the error{'s' if len(plan.errors) > 1 else ''} above", file=sys.stderr
        )
        return 2
    if args.dry_run or not plan.changed:
        if args.dry_run:
            print("dry run: nothing written", file=sys.stderr)
        return 0
    try:  # through the node service: refused in read-only mode, journaled
        saved = await ctx.nodes.save_file(f"{command} save", node, lambda: save(backend, plan), plan.loaded.path)
    except ReadOnlyError as exc:
        print(f"rocketui {command}: {exc}; nothing written", file=sys.stderr)
        return 2
    except ConfigConflict as exc:
        print(f"rocketui {command}: {exc}", file=sys.stderr)
        return 1
    except (ConfigEditError, BackendError, OSError) as exc:
        print(f"rocketui {command}: not saved: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {backend.name}:{saved.path} (previous version kept as {saved.backup})", file=sys.stderr)
    return 0
