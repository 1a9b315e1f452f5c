"""What a front end holds: one cluster, its hosts, the gate and every use case.

The TUI (`rocketui.app`) and the CLI (`rocketui.commands`) each create one Operations and call only
its use cases; neither touches a Backend.  This is also the composition root: the only place that
picks the concrete backends (`backends.factory`) and wires the journal to the gate.
"""

from __future__ import annotations

from collections.abc import Callable

from rocketui.backends.base import HostKeyTrusted, HostPool
from rocketui.backends.factory import BackendPool
from rocketui.backends.local import LocalBackend
from rocketui.model.cluster import Cluster
from rocketui.services.crash import CrashInfo
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.nodes import NodeService
from rocketui.usecases.admin import Admin
from rocketui.usecases.edits import Edits
from rocketui.usecases.elect import MasterElection
from rocketui.usecases.elections import Elections
from rocketui.usecases.gate import ActionRecord, Gate
from rocketui.usecases.journal import Journal
from rocketui.usecases.lifecycle import Lifecycle
from rocketui.usecases.logs import LogQueries
from rocketui.usecases.mq import MqTests
from rocketui.usecases.provision import Provision

OBSERVED_CRASH = "observed crash"


class Operations:
    def __init__(
        self,
        cluster: Cluster,
        *,
        read_only: bool | None = None,
        pool: HostPool | None = None,
        nodes: NodeService | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.cluster = cluster
        self.pool: HostPool = pool or (nodes.pool if nodes is not None else BackendPool(cluster))
        self.gate = Gate(
            read_only=cluster.read_only if read_only is None else read_only, where=f"cluster '{cluster.name}'"
        )
        self.journal = journal or Journal()
        self.gate.listeners.append(self.journal.listener(cluster))
        # what the front ends show as it happens, apart from any action's result
        self.on_notice: list[Callable[[str], None]] = []
        trust_listeners = getattr(self.pool, "trust_listeners", None)  # pools without SSH hosts have none
        if trust_listeners is not None:
            trust_listeners.append(self._host_key_trusted)
        self.nodes = nodes or NodeService(cluster, self.pool)
        self.admin = Admin(cluster, self.pool, self.gate, self.nodes)
        self.election = MasterElection(cluster, self.pool, self.gate, self.nodes.controllers)
        self.lifecycle = Lifecycle(self.nodes, self.gate, admin=self.admin, election=self.election)
        here = LocalBackend("local")
        self.edits = Edits(self.nodes, self.gate, here=here, reload=self.reload)
        self.elections = Elections(cluster, self.nodes.controllers, self.journal, self.gate)
        self.mq = MqTests(
            cluster,
            self.pool,
            self.gate,
            versions=self.nodes.versions,
            controllers=self.nodes.controllers,
            here=here,
            journaled_changes=self.elections.seed,
        )
        self.provision = Provision(cluster, self.pool, self.gate)
        self.logs = LogQueries(cluster, self.nodes)
        self._crashes_journaled: set[tuple[str, float]] = set()

    def reload(self) -> None:
        """Re-read the cluster file (after rocketui saved it): every use case sees the new nodes.
        A file that no longer loads keeps the old model (the save checked it, so this is rare)."""
        from rocketui.model.loader import ClusterFileError, load_cluster

        try:
            cluster = load_cluster(self.cluster.source)
        except (ClusterFileError, OSError):
            return
        self.cluster = cluster
        for holder in (
            self.nodes,
            self.nodes.registration,
            self.nodes.controllers,
            self.nodes.proxies,
            self.elections,
            self.election,
            self.mq,
            self.provision,
            self.logs,
            self.admin,
        ):
            holder.cluster = cluster

    @property
    def read_only(self) -> bool:
        return self.gate.read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self.gate.read_only = value

    async def status_all(self) -> dict[str, NodeStatus]:
        """Every node's state (one process listing per host, one cluster query per namesrv).  A
        crash seen for the first time is journaled ("observed crash"), once, whichever rocketui
        saw it first."""
        self.elections.seed()
        statuses = await self.nodes.status_all()
        for status in statuses.values():
            if status.state is NodeState.CRASHED and status.crash is not None:
                await self._journal_crash(status, status.crash)
        await self.elections.observe(statuses)
        return statuses

    async def _journal_crash(self, status: NodeStatus, crash: CrashInfo) -> None:
        when = round(crash.ended_at or 0.0, 3)
        key = (status.node, when)
        if key in self._crashes_journaled:
            return
        self._crashes_journaled.add(key)
        since = when - 1 if when else None
        for entry in self.journal.entries(since=since, cluster=self.journal.cluster_key(self.cluster)):
            if entry.action == OBSERVED_CRASH and entry.node == status.node and round(entry.ts, 3) == when:
                return
        node = self.cluster.node(status.node)
        record = ActionRecord(OBSERVED_CRASH, node.name, node.host, outcome="crashed", error=crash.summary())
        record.started = when or record.started
        await self.gate.record(record)

    async def _host_key_trusted(self, event: HostKeyTrusted) -> None:
        """A host key accepted on first use: shown with its fingerprint, and journaled."""
        for tell in self.on_notice:
            tell(event.message())
        record = ActionRecord("trust host key", None, event.host)
        record.commands.append(
            f"{event.host}: accepted {event.algorithm} {event.fingerprint} offered by {event.spec} on first use"
        )
        record.files.append(f"local: {event.known_hosts}")
        await self.gate.record(record)

    async def close(self) -> None:
        """Close namesrv and broker connections and every host backend."""
        await self.admin.close()
        await self.nodes.close()
