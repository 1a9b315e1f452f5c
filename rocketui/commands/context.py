"""What every CLI subcommand gets: the loaded cluster, its backends and the node service."""

from __future__ import annotations

import argparse
import os
import sys

from rocketui.backends.base import Backend
from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import Cluster, Node
from rocketui.model.loader import ClusterFileError, load_cluster
from rocketui.services.nodes import NodeService
from rocketui.usecases.journal import Journal


class ContextError(Exception):
    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CommandContext:
    def __init__(self, cluster: Cluster | None, args: argparse.Namespace) -> None:
        self._cluster = cluster
        self.args = args
        self.pool = BackendPool(cluster) if cluster else None
        self._nodes: NodeService | None = None

    @classmethod
    def create(cls, cluster_file: str, args: argparse.Namespace) -> CommandContext:
        if not os.path.exists(cluster_file) and not cluster_file.endswith((".yaml", ".yml")):
            raise ContextError(
                f"rocketui: {cluster_file!r} is neither a command nor a cluster file; run 'rocketui --help'"
            )
        try:
            cluster = load_cluster(cluster_file)
        except ClusterFileError as exc:
            raise ContextError(str(exc)) from None
        for warning in cluster.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return cls(cluster, args)

    @classmethod
    def empty(cls, args: argparse.Namespace) -> CommandContext:
        return cls(None, args)

    @property
    def cluster(self) -> Cluster:
        if self._cluster is None:
            raise ContextError("this command needs a cluster file")
        return self._cluster

    def backend(self, host_name: str) -> Backend:
        assert self.pool is not None
        return self.pool.get(host_name)

    @property
    def nodes(self) -> NodeService:
        if self._nodes is None:
            assert self.pool is not None
            read_only = True if getattr(self.args, "read_only", False) else None
            self._nodes = NodeService(self.cluster, self.pool, read_only=read_only)
            self._nodes.listeners.append(Journal().listener(self.cluster))
        return self._nodes

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
                f"unknown node(s): {', '.join(unknown)}; nodes in {self.cluster.source}: " + ", ".join(known)
            )
        return [known[n] for n in names]

    async def close(self) -> None:
        if self._nodes is not None:
            await self._nodes.close()
        elif self.pool:
            await self.pool.close_all()
