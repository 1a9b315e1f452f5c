"""`rocketui CLUSTER.yaml generate [--dry-run] [--check] [--force] [--yes]`"""

from __future__ import annotations

import argparse
import sys

from rocketui.backends.base import BackendError
from rocketui.commands.context import CommandContext
from rocketui.text import inert

NAME = "generate"
HELP = "write the broker properties files of the cluster's topology (diff first; never clobbers edits)"
NEEDS_CLUSTER = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="show the unified diff and write nothing")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is missing or differs")
    parser.add_argument("--force", action="store_true", help="also overwrite files edited by hand")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before writing")
    parser.add_argument("--read-only", action="store_true", help="refuse to write (as read_only: true does)")


def _confirm(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


async def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from rocketui.services.generate import GenerateError

    provision = ctx.ops.provision
    try:
        planned = await provision.plan_generate()
    except (GenerateError, BackendError, OSError) as exc:
        print(f"rocketui generate: {inert(str(exc))}", file=sys.stderr)
        return 2 if isinstance(exc, GenerateError) else 1
    changed = [p for p in planned if p.changes]
    for p in planned:
        note = " (use --force to overwrite)" if p.needs_force else ""
        print(f"{p.node.name}: {p.node.host}:{inert(p.path)}: {p.state.value}{note}")
    for p in changed:
        sys.stdout.write("".join(inert(line) + "\n" for line in p.diff().splitlines()))
    if args.dry_run or args.check:
        return 1 if args.check and changed else 0
    if not changed:
        print("every generated file is up to date")
        return 0
    refused = [p for p in changed if p.needs_force and not args.force]
    if refused:
        print(
            "rocketui generate: refusing to overwrite "
            + ", ".join(inert(p.path) for p in refused)
            + " ("
            + "; ".join(sorted({p.state.value for p in refused}))
            + "); move the changes into the cluster file, then run again with --force",
            file=sys.stderr,
        )
        return 1
    if not args.yes and sys.stdin.isatty() and not _confirm(f"write {len(changed)} file(s)?"):
        print("nothing written")
        return 1
    outcome = await provision.generate(planned, force=args.force)
    if not outcome.ok:
        print(f"rocketui generate: {inert(outcome.summary)}", file=sys.stderr)
        return outcome.exit_code
    for p in outcome.value or []:
        print(f"wrote {p.node.host}:{inert(p.path)}")
    print("running brokers use a changed file after a restart (rocketui CLUSTER.yaml restart --rolling)")
    return 0
