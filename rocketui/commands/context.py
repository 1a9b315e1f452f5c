"""What every CLI subcommand gets: the loaded cluster and its Operations (every use case)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from rocketui.model.cluster import Cluster, Node
from rocketui.model.loader import ClusterFileError
from rocketui.text import inert
from rocketui.usecases.gate import Outcome
from rocketui.usecases.operations import Operations
from rocketui.usecases.personal_copy import open_cluster


class ContextError(Exception):
    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CommandContext:
    def __init__(self, cluster: Cluster | None, args: argparse.Namespace) -> None:
        self._cluster = cluster
        self.args = args
        self._ops: Operations | None = None

    @classmethod
    def create(cls, cluster_file: str, args: argparse.Namespace) -> CommandContext:
        if not os.path.exists(cluster_file) and not cluster_file.endswith((".yaml", ".yml")):
            raise ContextError(
                f"rocketui: {inert(cluster_file)!r} is neither a command nor a cluster file; run 'rocketui --help'"
            )
        try:
            opened = open_cluster(cluster_file)
        except ClusterFileError as exc:
            raise ContextError(inert(str(exc), newlines=True)) from None
        except OSError as exc:
            raise ContextError(f"rocketui: cannot make your copy of the sample {inert(cluster_file)}: {exc}") from None
        cluster = opened.cluster
        if opened.note:
            print(f"note: {inert(opened.note)}", file=sys.stderr)
        for warning in cluster.warnings:
            print(f"warning: {inert(warning)}", file=sys.stderr)
        return cls(cluster, args)

    @classmethod
    def empty(cls, args: argparse.Namespace) -> CommandContext:
        return cls(None, args)

    @property
    def cluster(self) -> Cluster:
        if self._cluster is None:
            raise ContextError("this command needs a cluster file")
        return self._cluster

    @property
    def ops(self) -> Operations:
        if self._ops is None:
            read_only = True if getattr(self.args, "read_only", False) else None
            self._ops = Operations(self.cluster, read_only=read_only)
            # printed when it happens, apart from the action's own result and exit status
            self._ops.gate.on_journal_error.append(lambda message: print(f"warning: {inert(message)}", file=sys.stderr))
            self._ops.on_notice.append(lambda message: print(f"note: {inert(message)}", file=sys.stderr))
        return self._ops

    def select(self, names: list[str], all_: bool) -> list[Node]:
        """Nodes named on the command line (or all); unknown names are a usage error."""
        if all_:
            return list(self.cluster.nodes)
        if not names:
            raise ContextError(
                "name at least one node, or use --all; nodes: " + ", ".join(n.name for n in self.cluster.nodes)
            )
        known = {n.name: n for n in self.cluster.nodes}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ContextError(
                f"unknown node(s): {', '.join(inert(n) for n in unknown)}; nodes in {self.cluster.source}: "
                + ", ".join(known)
            )
        return [known[n] for n in names]

    async def close(self) -> None:
        if self._ops is not None:
            await self._ops.close()


def say(command: str, outcome: Outcome[Any], *, ok_to_stdout: bool = False) -> int:
    """Print an outcome the way every command does (inert: it can carry host text) and return
    its exit status: 0 done, 1 failed, 2 refused."""
    if outcome.ok:
        print(inert(outcome.summary), file=sys.stdout if ok_to_stdout else sys.stderr)
    else:
        print(f"rocketui {command}: {inert(outcome.summary)}", file=sys.stderr)
    for line in outcome.details:
        print(inert(line), file=sys.stderr)
    return outcome.exit_code
