"""Connections the day-2 views share: one client per namesrv and per broker address, kept open
between refreshes (a refresh of 1,000 topics is thousands of requests: no connect per request),
and the cluster as the namesrvs currently see it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.remoting.client import Connector
from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.namesrv import NamesrvClient
from rocketui.rocketmq.remoting.route import BrokerData, ClusterInfo

T = TypeVar("T")
R = TypeVar("R")
CONCURRENCY = 64  # requests in flight per refresh: enough to hide latency, not to flood a broker


class AdminError(Exception):
    """A day-2 query or change cannot go on; the message says why."""


@dataclass(frozen=True)
class BrokerGroup:
    """One broker name: its master (None when down) and slaves, as registered."""

    cluster: str
    name: str
    master: str | None
    slaves: tuple[str, ...]

    @property
    def read_addr(self) -> str | None:
        """Where reads go: the master, else the lowest-id slave (mqadmin's selectBrokerAddr)."""
        return self.master or (self.slaves[0] if self.slaves else None)

    @classmethod
    def from_data(cls, data: BrokerData) -> BrokerGroup:
        slaves = tuple(addr for bid, addr in sorted(data.addrs.items()) if bid != 0)
        return cls(data.cluster, data.broker_name, data.master_addr, slaves)


class AdminClients:
    def __init__(self, namesrvs: Sequence[str], *, connector: Connector | None = None, timeout: float = 5.0) -> None:
        self.namesrvs = list(namesrvs)
        self.connector = connector
        self.timeout = timeout
        self._brokers: dict[str, BrokerClient] = {}
        self._namesrvs: dict[str, NamesrvClient] = {}

    def broker(self, addr: str) -> BrokerClient:
        client = self._brokers.get(addr)
        if client is None:
            client = self._brokers[addr] = BrokerClient(addr, connector=self.connector, timeout=self.timeout)
        return client

    def namesrv(self, addr: str) -> NamesrvClient:
        client = self._namesrvs.get(addr)
        if client is None:
            client = self._namesrvs[addr] = NamesrvClient(addr, connector=self.connector, timeout=self.timeout)
        return client

    async def close(self) -> None:
        clients: list[BrokerClient | NamesrvClient] = [*self._brokers.values(), *self._namesrvs.values()]
        self._brokers, self._namesrvs = {}, {}
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)

    async def first_namesrv(self, call: Callable[[NamesrvClient], Awaitable[T]]) -> T:
        """`call` on the namesrvs in order until one answers (a down namesrv is skipped)."""
        if not self.namesrvs:
            raise AdminError("no namesrv address to ask")
        errors = []
        for addr in self.namesrvs:
            try:
                return await call(self.namesrv(addr))
            except (RemotingError, ValueError) as exc:
                errors.append(str(exc))
        raise AdminError("no namesrv answered: " + "; ".join(errors))

    async def cluster_info(self) -> ClusterInfo:
        """The union of every answering namesrv's view."""
        merged, errors = ClusterInfo(), []
        answered = False
        for addr, result in zip(
            self.namesrvs,
            await asyncio.gather(*(self.namesrv(a).cluster_info() for a in self.namesrvs), return_exceptions=True),
            strict=True,
        ):
            if isinstance(result, ClusterInfo):
                merged, answered = merged.merged(result), True
            elif isinstance(result, (RemotingError, ValueError)):
                errors.append(f"{addr}: {result}")
            else:
                raise result
        if not answered:
            raise AdminError("no namesrv answered: " + "; ".join(errors))
        return merged

    async def groups(self) -> list[BrokerGroup]:
        info = await self.cluster_info()
        return [BrokerGroup.from_data(info.brokers[name]) for name in sorted(info.brokers)]


async def gather_limited(
    items: Iterable[T], call: Callable[[T], Awaitable[R]], limit: int = CONCURRENCY
) -> list[R | BaseException]:
    """`call` over `items` with at most `limit` in flight; each result or the exception it raised."""
    sem = asyncio.Semaphore(limit)

    async def one(item: T) -> R | BaseException:
        async with sem:
            try:
                return await call(item)
            except (RemotingError, AdminError, ValueError) as exc:
                return exc

    return list(await asyncio.gather(*(one(i) for i in items)))
