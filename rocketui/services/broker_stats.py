"""Broker runtime figures (GET_BROKER_RUNTIME_INFO) and what each namesrv knows: for the `stats`
command, the drain progress and the main screen's TPS / disk / dispatch-lag columns."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from rocketui.rocketmq.remoting.errors import RemotingError
from rocketui.rocketmq.remoting.results import RuntimeInfo
from rocketui.services.admin_clients import AdminClients, gather_limited


@dataclass(frozen=True)
class BrokerStats:
    broker_name: str
    broker_id: int
    addr: str
    put_tps: float | None = None  # last 10 s
    get_tps: float | None = None  # messages returned by pulls, last 10 s
    put_total: int | None = None  # msgPutTotalTodayNow: since start, non-system topics (5.x)
    disk_ratio: float | None = None  # commitLogDiskRatio, 0..1
    commitlog_max_offset: int | None = None
    dispatch_behind_bytes: int | None = None
    version: str | None = None
    error: str = ""

    @classmethod
    def from_runtime(cls, name: str, broker_id: int, addr: str, info: RuntimeInfo) -> BrokerStats:
        return cls(
            name,
            broker_id,
            addr,
            put_tps=info.tps("putTps")[0] or 0.0,
            get_tps=info.tps("getTransferredTps")[0] or 0.0,
            put_total=info.integer("msgPutTotalTodayNow"),
            disk_ratio=info.number("commitLogDiskRatio"),
            commitlog_max_offset=info.integer("commitLogMaxOffset"),
            dispatch_behind_bytes=info.integer("dispatchBehindBytes"),
            version=info.version,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "broker": self.broker_name,
            "id": self.broker_id,
            "address": self.addr,
            "put_tps": self.put_tps,
            "get_tps": self.get_tps,
            "put_total": self.put_total,
            "disk_ratio": self.disk_ratio,
            "commitlog_max_offset": self.commitlog_max_offset,
            "dispatch_behind_bytes": self.dispatch_behind_bytes,
            "version": self.version,
            "error": self.error,
        }


@dataclass(frozen=True)
class NamesrvCounts:
    addr: str
    brokers: int | None = None  # broker addresses registered
    topics: int | None = None
    error: str = ""


@dataclass
class StatsReport:
    brokers: list[BrokerStats]
    namesrvs: list[NamesrvCounts]
    taken_at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, object]:
        return {
            "brokers": [b.to_json() for b in self.brokers],
            "namesrvs": [
                {"address": n.addr, "brokers": n.brokers, "topics": n.topics, "error": n.error} for n in self.namesrvs
            ],
        }


async def broker_stats(clients: AdminClients) -> StatsReport:
    info = await clients.cluster_info()
    targets = sorted(
        (data.broker_name or name, bid, addr) for name, data in info.brokers.items() for bid, addr in data.addrs.items()
    )

    async def one(target: tuple[str, int, str]) -> BrokerStats:
        name, bid, addr = target
        return BrokerStats.from_runtime(name, bid, addr, await clients.broker(addr).get_runtime_info())

    brokers = [
        BrokerStats(t[0], t[1], t[2], error=str(r)) if isinstance(r, BaseException) else r
        for t, r in zip(targets, await gather_limited(targets, one), strict=True)
    ]

    async def counts(addr: str) -> NamesrvCounts:
        ns = clients.namesrv(addr)
        try:
            cluster, topics = await asyncio.gather(ns.cluster_info(), ns.all_topics())
        except (RemotingError, ValueError) as exc:
            return NamesrvCounts(addr, error=str(exc))
        return NamesrvCounts(addr, len(cluster.broker_addrs()), len(topics))

    namesrvs = list(await asyncio.gather(*(counts(a) for a in clients.namesrvs)))
    return StatsReport(brokers, namesrvs)
