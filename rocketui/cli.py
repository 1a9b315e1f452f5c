"""Command line: `rocketui CLUSTER.yaml [COMMAND ...]` and `rocketui install|init ...`.

Every TUI action has a subcommand here, built on the same services, so it can be
scripted and tested without the TUI.  Subcommands live in `rocketui.commands.*`;
each module defines NAME, HELP, NEEDS_CLUSTER, add_arguments(parser) and
`async def run(args, ctx) -> int`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

# Order = order in --help.
COMMAND_MODULES = (
    "tui",
    "status",
    "start",
    "stop",
    "restart",
    "install",
)

EXIT_USAGE = 2


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"rocketui.commands.{name}")


def _global_parser(modules: dict[str, ModuleType]) -> argparse.ArgumentParser:
    cluster_cmds = [m for m in modules.values() if m.NEEDS_CLUSTER]
    global_cmds = [m for m in modules.values() if not m.NEEDS_CLUSTER]
    epilog = (
        "cluster commands (rocketui CLUSTER.yaml COMMAND):\n"
        + "\n".join(f"  {m.NAME:<10} {m.HELP}" for m in cluster_cmds)
        + "\n\nother commands:\n"
        + "\n".join(f"  {m.NAME:<10} {m.HELP}" for m in global_cmds)
    )
    parser = argparse.ArgumentParser(
        prog="rocketui",
        usage="rocketui CLUSTER.yaml [COMMAND] [options]  |  rocketui {"
        + ",".join(m.NAME for m in global_cmds)
        + "} [options]",
        description="Keyboard-driven console for Apache RocketMQ clusters. "
        "Without a command, opens the TUI on the cluster file.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


# Commands that take no cluster file; every other first word is a cluster file.
GLOBAL_COMMANDS = ("install", "init")


def _resolve(args_in: list[str]) -> tuple[ModuleType, str | None, list[str]] | int:
    """(the command module, the cluster file or None, its arguments), or an exit status."""
    head = args_in[0]
    if head in GLOBAL_COMMANDS:
        return _load(head), None, args_in[1:]
    # Import only the command that runs: start-up time of the TUI matters.
    name = args_in[1] if len(args_in) > 1 and not args_in[1].startswith("-") else "tui"
    module_name = name.replace("-", "_")  # `reset-offset` lives in reset_offset.py
    module: ModuleType | None = None
    try:
        module = _load(module_name) if module_name.isidentifier() and not name.startswith("_") else None
    except ModuleNotFoundError:
        module = None
    if module is None or not getattr(module, "NEEDS_CLUSTER", False):
        from rocketui.text import inert

        print(
            f"rocketui: unknown command {inert(name)!r}; expected one of: "
            + ", ".join(m.NAME for m in _command_modules() if m.NEEDS_CLUSTER),
            file=sys.stderr,
        )
        return EXIT_USAGE
    return module, head, args_in[2:] if len(args_in) > 1 and args_in[1] == name else args_in[1:]


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if not args_in or args_in[0] in ("-h", "--help"):
        _global_parser({m.NAME: m for m in _command_modules()}).print_help()
        return 0 if args_in else EXIT_USAGE
    resolved = _resolve(args_in)
    if isinstance(resolved, int):
        return resolved
    module, cluster_file, rest = resolved
    parser = argparse.ArgumentParser(
        prog=f"rocketui {'CLUSTER.yaml ' if module.NEEDS_CLUSTER else ''}{module.NAME}", description=module.HELP
    )
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    from rocketui.commands.context import CommandContext, ContextError

    try:
        ctx = CommandContext.create(cluster_file, args) if cluster_file else CommandContext.empty(args)
    except ContextError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    try:
        if getattr(module, "SYNC", False):
            return int(module.run(args, ctx))
        return asyncio.run(_run_async(module, args, ctx))
    except ContextError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # Ctrl+C ends `logs --follow` and the like: not an error
        return 130
    except BrokenPipeError:  # `rocketui … logs NODE | head`
        sys.stderr.close()
        return 0


async def _run_async(module: ModuleType, args: argparse.Namespace, ctx: object) -> int:
    try:
        return int(await module.run(args, ctx))
    finally:
        await ctx.close()  # type: ignore[attr-defined]


def _command_modules() -> list[ModuleType]:
    """Every rocketui.commands.* module with NAME and run, in COMMAND_MODULES order first."""
    import pkgutil

    import rocketui.commands as pkg

    names = [i.name for i in pkgutil.iter_modules(pkg.__path__) if not i.name.startswith("_") and i.name != "context"]
    names.sort(key=lambda n: (COMMAND_MODULES.index(n) if n in COMMAND_MODULES else len(COMMAND_MODULES), n))
    modules = [_load(n) for n in names]
    return [m for m in modules if hasattr(m, "NAME") and hasattr(m, "run")]
