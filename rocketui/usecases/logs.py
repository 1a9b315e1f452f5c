"""What both front ends (the log view, `rocketui logs`) ask about a node's logs.

Queries only, passed through to `LogService` unchanged: they read and change nothing on a host
beyond reading its files, so they need no gate and no journal.  Front ends hold a `LogQueries`
and never a backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from rocketui.backends.base import BackendError, FileStat
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.log_format import LineFormat
from rocketui.rocketmq.logs import LogFile
from rocketui.services.log_appended import Appended, AppendedReader
from rocketui.services.logs import LineBatch, LogService, Tail
from rocketui.services.nodes import NodeService

# BackendError: what a query raises when the host cannot be reached or read (front ends catch it)
__all__ = ["Appended", "BackendError", "FileStat", "LineBatch", "LogFile", "LogQueries", "Tail"]


class LogQueries:
    def __init__(self, cluster: Cluster, nodes: NodeService) -> None:
        self._logs = LogService(cluster, nodes)
        self._appended = AppendedReader(self._logs)

    @property
    def cluster(self) -> Cluster:
        return self._logs.cluster

    @cluster.setter
    def cluster(self, cluster: Cluster) -> None:  # Operations.reload: the cluster file was re-read
        self._logs.cluster = cluster

    async def files(self, node: Node) -> list[tuple[LogFile, FileStat | None]]:
        return await self._logs.files(node)

    async def quick_end(self, node: Node, count: int) -> tuple[LogFile, Tail] | None:
        return await self._logs.quick_end(node, count)

    async def main_file(self, node: Node) -> tuple[LogFile, FileStat | None]:
        return await self._logs.main_file(node)

    @staticmethod
    def main_of(listed: list[tuple[LogFile, FileStat | None]]) -> tuple[LogFile, FileStat | None]:
        return LogService.main_of(listed)

    async def stats(self, node: Node, logs: list[LogFile]) -> list[FileStat | None]:
        return await self._logs.stats(node, logs)

    async def resolve_zone(self, node: Node, fmt: LineFormat) -> LineFormat:
        return await self._logs.resolve_zone(node, fmt)

    async def tail(self, node: Node, log: LogFile, count: int) -> tuple[Tail, FileStat]:
        return await self._logs.tail(node, log, count)

    async def read_before(self, node: Node, log: LogFile, end: int, count: int) -> Tail:
        return await self._logs.read_before(node, log, end, count)

    def follow(self, node: Node, log: LogFile, start: int | None, *, poll: float = 0.1) -> AsyncIterator[LineBatch]:
        return self._logs.follow(node, log, start, poll=poll)

    async def last_entries(
        self, node: Node, log: LogFile, count: int, min_level: int, *, max_lines: int = 200_000
    ) -> tuple[list[list[str]], int, bool]:
        return await self._logs.last_entries(node, log, count, min_level, max_lines=max_lines)

    async def appended(self, nodes: Sequence[tuple[Node, int]], now: float) -> list[Appended]:
        """What each (running node, JVM pid)'s main log got since the previous call that included
        it (bounded bytes per node; see services.log_appended)."""
        return await self._appended.read(nodes, now)
