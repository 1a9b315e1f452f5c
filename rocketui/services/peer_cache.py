"""One open client per address, made on first use and dropped after a failure (the next ask
reconnects): the persistent connections of the status poll's namesrv, controller and proxy probes."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    async def close(self) -> None: ...


P = TypeVar("P", bound=Closable)


class PeerCache(Generic[P]):
    def __init__(self) -> None:
        self._peers: dict[str, P] = {}

    def get(self, addr: str, make: Callable[[], P]) -> P:
        peer = self._peers.get(addr)
        if peer is None:
            peer = self._peers[addr] = make()
        return peer

    async def drop(self, addr: str) -> None:
        peer = self._peers.pop(addr, None)
        if peer is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close as well
                await peer.close()

    async def close(self) -> None:
        for addr in list(self._peers):
            await self.drop(addr)
