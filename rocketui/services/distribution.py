"""Which RocketMQ a node runs, found on its host: the distribution of the running JVM (the home
its classpath points into) or, for a stopped node, the home the cluster file names.

Each (host, home) is looked at once a minute at most: two directory listings, the install
marker and a stat of the broker jar; the jar itself (for its manifest) is read again only when
that stat changes.  Nothing here changes a host.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time

from rocketui.backends.base import Backend, BackendError, FileStat, HostPool, ProcessInfo
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.dist_version import BROKER_JAR, Distribution, describe, home_of_java, jar_version
from rocketui.rocketmq.install import MARKER

TTL = 60.0
_MAX_JAR = 16 << 20  # a broker jar is ~1-3 MB; never read an unexpected giant


JarCache = dict[str, tuple[FileStat, str | None]]


async def _manifest(backend: Backend, path: str, jars: JarCache) -> str | None:
    st = await backend.stat(path)
    if st is None or st.size > _MAX_JAR:
        return None
    cached = jars.get(path)
    if cached and cached[0].same_version(st):
        return cached[1]
    try:
        version = jar_version(await backend.read_file(path))
    except (FileNotFoundError, BackendError, OSError):
        return None
    jars[path] = (st, version)
    return version


async def probe(backend: Backend, home: str, jars: JarCache | None = None) -> Distribution:
    """Look at the distribution at `home` (expanded) on the backend's host."""
    lib = await backend.listdir(f"{home}/lib")
    conf = await backend.listdir(f"{home}/conf")
    try:
        marker: bytes | None = await backend.read_file(f"{home}/{MARKER}")
    except (FileNotFoundError, BackendError, OSError):
        marker = None
    brokers = sorted(n for n in lib if BROKER_JAR.fullmatch(n))
    manifest = await _manifest(backend, f"{home}/lib/{brokers[-1]}", {} if jars is None else jars) if brokers else None
    hashes = None
    if marker is not None:
        try:
            recorded = json.loads(marker).get("scripts_sha256") or {}
        except (ValueError, AttributeError):
            recorded = {}
        hashes = {}
        for name in recorded:
            try:
                hashes[name] = hashlib.sha256(await backend.read_file(f"{home}/bin/{name}")).hexdigest()
            except (FileNotFoundError, BackendError, OSError):
                hashes[name] = ""
    return describe(home, lib, conf, marker, manifest, hashes)


class Distributions:
    """Cached probes per (host, home), shared by status, health, forms and logs."""

    def __init__(self, cluster: Cluster, pool: HostPool, *, ttl: float = TTL) -> None:
        self.cluster = cluster
        self.pool = pool
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, Distribution]] = {}
        self._probing: dict[tuple[str, str], asyncio.Task[Distribution]] = {}
        self._jars: dict[str, JarCache] = {}

    async def at(self, host: str, home: str) -> Distribution:
        """The distribution at `home` (as written; expanded on the host) of `host`."""
        backend = self.pool.get(host)
        expanded = await backend.expand_path(home)
        key = (host, expanded)
        cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        # the nodes of one host ask at once (a status poll): one probe answers them all
        task = self._probing.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._probe(key, backend))
            self._probing[key] = task
            task.add_done_callback(lambda done: self._probed(key, done))
        return await asyncio.shield(task)  # a caller that gives up leaves it to the others

    def _probed(self, key: tuple[str, str], task: asyncio.Task[Distribution]) -> None:
        self._probing.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here: each caller still gets it from its await

    async def _probe(self, key: tuple[str, str], backend: Backend) -> Distribution:
        found = await probe(backend, key[1], self._jars.setdefault(key[0], {}))
        self._cache[key] = (time.monotonic(), found)
        return found

    def configured_home(self, node: Node) -> str:
        return self.cluster.rocketmq_home(self.cluster.host(node.host))

    async def of_node(self, node: Node, jvm: ProcessInfo | None = None) -> Distribution:
        """The running JVM's distribution, else the one its start would use."""
        home = home_of_java(jvm.argv) if jvm is not None else None
        return await self.at(node.host, home or self.configured_home(node))

    def forget(self) -> None:
        self._cache.clear()
