"""What every typed client (namesrv, controller, broker) shares: one RemotingClient — its own, or
one passed in to share a connection — and closing it with `async with`."""

from __future__ import annotations

from typing import Self

from rocketui.rocketmq.remoting.client import DEFAULT_TIMEOUT, Connector, RemotingClient


class Peer:
    def __init__(
        self,
        addr: str,
        *,
        connector: Connector | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        client: RemotingClient | None = None,
    ) -> None:
        self.remoting = client or RemotingClient(addr, connector=connector, timeout=timeout)
        self.addr = self.remoting.addr

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.remoting.close()
