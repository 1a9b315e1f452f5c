"""One backend per host of a cluster, created lazily (so asyncssh is imported only when a
cluster really has an ssh host and something asks for it)."""

from __future__ import annotations

from collections.abc import Callable

from rocketui.backends.base import Backend
from rocketui.backends.local import LocalBackend
from rocketui.model.cluster import BackendKind, Cluster, Host


def make_backend(host: Host, *, resolver: Callable[[str], Backend] | None = None) -> Backend:
    if host.backend is BackendKind.LOCAL:
        return LocalBackend(host.name, host.address)
    from rocketui.backends.ssh import SSHBackend  # lazy: pulls in asyncssh

    return SSHBackend(host, resolver=resolver)


class BackendPool:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._backends: dict[str, Backend] = {}

    def get(self, host_name: str) -> Backend:
        backend = self._backends.get(host_name)
        if backend is None:
            backend = make_backend(self.cluster.host(host_name), resolver=self.get)
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
