"""`rocketui CLUSTER.yaml` — open the TUI (the default command)."""

from __future__ import annotations

import argparse

from rocketui.commands.context import CommandContext

NAME = "tui"
HELP = "open the terminal UI (default)"
NEEDS_CLUSTER = True
SYNC = True  # Textual runs its own event loop


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--read-only", action="store_true", help="refuse every action that changes something")


def run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from rocketui.app import RocketUI

    app = RocketUI(ctx.cluster, ops=ctx.ops)
    app.run()
    return app.return_code or 0
