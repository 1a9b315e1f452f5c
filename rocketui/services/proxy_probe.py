"""Does a proxy serve?  Its remoting and gRPC ports accept connections, and a route lookup through
its remoting port (GET_ROUTEINFO_BY_TOPIC of the topic named after the cluster, which every
broker registers) answers, which proves the proxy reaches a namesrv.  Asked through the backend
of the proxy's host, on connections kept open between polls.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rocketui.backends.base import HostPool
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.namesrv import NamesrvClient
from rocketui.services.peer_cache import PeerCache

ASK_TIMEOUT = 2.0


@dataclass(frozen=True)
class ProxyServing:
    remoting: bool  # the remoting port accepts connections
    grpc: bool  # the gRPC port accepts connections
    routes: bool | None  # a route lookup through it answered (None: not asked, a port is closed)
    detail: str = ""  # why it does not serve

    @property
    def serving(self) -> bool:
        return self.remoting and self.grpc and bool(self.routes)

    def label(self) -> str:
        if self.serving:
            return "serving"
        if not (self.remoting or self.grpc):
            return "ports closed"
        if not self.remoting or not self.grpc:
            return f"{'gRPC' if not self.grpc else 'remoting'} port closed"
        return "no routes"

    def to_json(self) -> dict[str, object]:
        return {
            "serving": self.serving,
            "remoting_port_open": self.remoting,
            "grpc_port_open": self.grpc,
            "routes": self.routes,
            "detail": self.detail,
        }


class ProxyProbe:
    def __init__(self, cluster: Cluster, pool: HostPool) -> None:
        self.cluster = cluster
        self.pool = pool
        self._clients: PeerCache[NamesrvClient] = PeerCache()

    async def serving(self, node: Node) -> ProxyServing:
        backend = self.pool.get(node.host)
        address = self.cluster.advertised_address(node)
        assert node.proxy_remoting_port is not None and node.grpc_port is not None
        remoting, grpc = await asyncio.gather(
            backend.port_open(address, node.proxy_remoting_port, timeout=0.5),
            backend.port_open(address, node.grpc_port, timeout=0.5),
        )
        if not (remoting and grpc):
            return ProxyServing(remoting, grpc, None, "not accepting connections")
        addr = self.cluster.proxy_endpoint(node)
        client = self._clients.get(
            addr, lambda: NamesrvClient(addr, connector=backend.open_connection, timeout=ASK_TIMEOUT)
        )
        try:
            async with asyncio.timeout(ASK_TIMEOUT):
                await client.topic_route(self.cluster.name)
        except Exception as exc:  # refused, timed out, no route: it does not serve routes now
            await self._clients.drop(addr)
            return ProxyServing(True, True, False, str(exc) or type(exc).__name__)
        return ProxyServing(True, True, True)

    async def close(self) -> None:
        await self._clients.close()
