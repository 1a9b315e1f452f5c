"""Which brokers each namesrv knows, asked over RocketMQ's own protocol (not read from logs).

One GET_BROKER_CLUSTER_INFO per namesrv per poll, through the backend of the namesrv's
host (so an SSH host's namesrv is reached through its tunnel).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from typing import TYPE_CHECKING

from rocketui.backends.base import HostPool
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.route import ClusterInfo
from rocketui.services.peer_cache import PeerCache

if TYPE_CHECKING:  # imported when first asked: not needed for the first frame
    from rocketui.rocketmq.remoting.namesrv import NamesrvClient

ASK_TIMEOUT = 3.0  # seconds for one namesrv's answer, connect to its host included


class RegistrationProbe:
    def __init__(self, cluster: Cluster, pool: HostPool, *, cache_seconds: float = 0.5) -> None:
        self.cluster = cluster
        self.pool = pool
        self.cache_seconds = cache_seconds
        self.errors: dict[str, str] = {}
        self._cached: tuple[float, dict[str, set[str]] | None] = (0.0, None)
        self._lock = asyncio.Lock()
        self._clients: PeerCache[NamesrvClient] = PeerCache()  # one persistent connection per namesrv
        self.views: dict[str, ClusterInfo] = {}  # namesrv address → its last ClusterInfo (answering ones)

    async def registered_addresses(self, *, skip_hosts: Collection[str] = ()) -> dict[str, set[str]] | None:
        """namesrv address → broker addresses registered there (only namesrvs that answered);
        None when there is no namesrv to ask.  Namesrvs on `skip_hosts` (hosts that did not
        answer this poll) are not asked: the question would go through the same dead link."""
        if not self.cluster.namesrvs:
            return None
        async with self._lock:
            at, value = self._cached
            if value is not None and time.monotonic() - at < self.cache_seconds and not skip_hosts:
                return value
            asked = [ns for ns in self.cluster.namesrvs if ns.host not in skip_hosts]
            for ns in self.cluster.namesrvs:
                if ns.host in skip_hosts:
                    key = self.cluster.endpoint(ns)
                    self.errors[key] = f"host '{ns.host}' is not answering"
                    self.views.pop(key, None)
            results = await asyncio.gather(*(self._ask(ns) for ns in asked))
            value = {addr: brokers for addr, brokers in results if brokers is not None}
            self._cached = (time.monotonic(), value)
            return value

    async def close(self) -> None:
        await self._clients.close()

    def invalidate(self) -> None:
        self._cached = (0.0, None)

    async def _ask(self, ns: Node) -> tuple[str, set[str] | None]:
        from rocketui.rocketmq.remoting.namesrv import NamesrvClient

        address = self.cluster.advertised_address(ns)
        key = f"{address}:{ns.port}"
        backend = self.pool.get(ns.host)
        try:
            # bounded as a whole: reaching the namesrv may need a (re)connect to its host first
            async with asyncio.timeout(ASK_TIMEOUT):
                if not await backend.port_open(address, ns.port, timeout=0.5):
                    self.errors[key] = "not accepting connections"
                    self.views.pop(key, None)
                    return key, None
                client = self._clients.get(
                    key, lambda: NamesrvClient(key, connector=backend.open_connection, timeout=2.0)
                )
                info = await client.cluster_info()
        except TimeoutError:
            self.errors[key] = f"no answer within {ASK_TIMEOUT:g}s"
            self.views.pop(key, None)
            await self._clients.drop(key)
            return key, None
        except Exception as exc:  # any failure means "unknown at this namesrv", shown to the user
            self.errors[key] = str(exc) or type(exc).__name__
            self.views.pop(key, None)
            await self._clients.drop(key)
            return key, None
        self.errors.pop(key, None)
        self.views[key] = info
        brokers = {addr for data in info.brokers.values() for addr in data.addrs.values()}
        return key, brokers
