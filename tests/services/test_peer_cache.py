"""PeerCache: one client per address, remade after a drop; a close that fails does not stop the others."""

from __future__ import annotations

from rocketui.services.peer_cache import PeerCache


class Client:
    def __init__(self, addr: str, *, broken: bool = False) -> None:
        self.addr, self.broken, self.closed = addr, broken, False

    async def close(self) -> None:
        self.closed = True
        if self.broken:
            raise ConnectionResetError("gone")


async def test_one_client_per_address_remade_after_a_drop_and_all_closed() -> None:
    cache: PeerCache[Client] = PeerCache()
    a = cache.get("a:1", lambda: Client("a:1"))
    assert cache.get("a:1", lambda: Client("other")) is a
    await cache.drop("a:1")
    assert a.closed and cache.get("a:1", lambda: Client("a:1")) is not a
    broken, b = cache.get("x:1", lambda: Client("x:1", broken=True)), cache.get("b:1", lambda: Client("b:1"))
    await cache.close()
    assert broken.closed and b.closed
