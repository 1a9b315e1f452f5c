"""One backend per host of a cluster, created lazily (so asyncssh is imported only when a
cluster really has an ssh host and something asks for it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rocketui.backends.base import Backend, HostKeyTrusted
from rocketui.backends.local import LocalBackend
from rocketui.model.cluster import BackendKind, Cluster, Host

# told when an SSH host key is accepted on first use (the use cases show and journal it)
TrustListener = Callable[[HostKeyTrusted], Awaitable[None] | None]


def make_backend(
    host: Host, *, resolver: Callable[[str], Backend] | None = None, on_trusted: list[TrustListener] | None = None
) -> Backend:
    if host.backend is BackendKind.LOCAL:
        return LocalBackend(host.name, host.address)
    from rocketui.backends.ssh import SSHBackend  # lazy: pulls in asyncssh

    return SSHBackend(host, resolver=resolver, on_trusted=on_trusted)


class BackendPool:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._backends: dict[str, Backend] = {}
        self.trust_listeners: list[TrustListener] = []  # shared by every SSH backend of the pool

    def get(self, host_name: str) -> Backend:
        backend = self._backends.get(host_name)
        if backend is None:
            backend = make_backend(self.cluster.host(host_name), resolver=self.get, on_trusted=self.trust_listeners)
            self._backends[host_name] = backend
        return backend

    def connection_state(self, host_name: str) -> str:
        host = self.cluster.host(host_name)
        if host.backend is BackendKind.LOCAL:
            return "local"
        backend = self._backends.get(host_name)
        state = getattr(backend, "connection_state", None)
        return state() if callable(state) else "not connected"

    async def close_all(self) -> None:
        for backend in list(self._backends.values()):
            await backend.close()
        self._backends.clear()
