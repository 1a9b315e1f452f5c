"""Write the broker properties files a cluster's topology generates, never clobbering edits.

Each file is planned first (new text, current text, state), so the CLI can show a unified
diff before anything is written.  A file is replaced only when it is missing, or when its
header hash proves nobody touched it since rocketui wrote it; a hand-edited or foreign file
(for example one RocketMQ rewrote after `updateBrokerConfig`) needs `force`.
"""

from __future__ import annotations

import difflib
import posixpath
from dataclasses import dataclass

from rocketui.backends.base import HostPool
from rocketui.model.cluster import Cluster, Node, NodeKind
from rocketui.model.topology import FileState, broker_properties, file_state


class GenerateError(Exception):
    pass


@dataclass(frozen=True)
class PlannedFile:
    node: Node
    path: str  # expanded on the node's host
    new: str
    old: str | None
    state: FileState

    @property
    def changes(self) -> bool:
        return self.state is not FileState.SAME

    @property
    def needs_force(self) -> bool:
        return self.state in (FileState.EDITED, FileState.FOREIGN)

    def diff(self) -> str:
        where = f"{self.node.host}:{self.path}"
        return "".join(
            difflib.unified_diff(
                (self.old or "").splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                fromfile=f"{where} (current)" if self.old is not None else "/dev/null",
                tofile=f"{where} (generated)",
            )
        )


def generated_brokers(cluster: Cluster) -> list[Node]:
    if cluster.topology is None:
        return []
    names = set(cluster.topology.generated)
    return [n for n in cluster.nodes if n.name in names and n.kind is NodeKind.BROKER]


async def plan(cluster: Cluster, pool: HostPool) -> list[PlannedFile]:
    """What `generate` would write, for every broker the topology generated."""
    if cluster.topology is None:
        raise GenerateError(
            f"{cluster.source} has no topology: section, so there is nothing to generate "
            "(see docs/cluster-format.md, 'Topology')"
        )
    planned: list[PlannedFile] = []
    for node in generated_brokers(cluster):
        backend = pool.get(node.host)
        home = await backend.expand_path("~")

        def expand(path: str, home: str = home) -> str:
            return home + path[1:] if path == "~" or path.startswith("~/") else path

        assert node.config
        path = await backend.expand_path(node.config)
        new = broker_properties(cluster, node, cluster.topology, expand)
        try:
            old: str | None = (await backend.read_file(path)).decode("utf-8", "replace")
        except FileNotFoundError:
            old = None
        planned.append(PlannedFile(node, path, new, old, file_state(old, new)))
    return planned


async def write(pool: HostPool, planned: list[PlannedFile], *, force: bool = False) -> list[PlannedFile]:
    """Write every changed file that may be written; returns the ones written.  Refuses (before
    writing anything) when a file needs `force` and it was not given."""
    refused = [p for p in planned if p.needs_force and not force]
    if refused:
        raise GenerateError(
            "refusing to overwrite "
            + "; ".join(f"{p.node.host}:{p.path} ({p.state.value})" for p in refused)
            + "; compare with --dry-run, move your changes into the cluster file, then use --force"
        )
    written = []
    for p in planned:
        if not p.changes:
            continue
        backend = pool.get(p.node.host)
        await backend.makedirs(posixpath.dirname(p.path))
        await backend.write_file(p.path, p.new.encode("utf-8"))
        written.append(p)
    return written
