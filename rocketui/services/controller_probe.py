"""What the controllers say right now: who leads their Raft group, and per controller-mode broker
name the elected master, its epoch and the sync-state set.

One CONTROLLER_GET_METADATA_INFO per controller per poll (so a controller that stopped answering
shows at once) and one CONTROLLER_GET_SYNC_STATE_DATA to the leader, each through the backend of
the controller's host, on connections kept open between polls.  Also remembers when this process
saw a master change (a new epoch with another master than the epoch before): the moment a master
changed as far as rocketui can tell.  A change that happened while no rocketui watched has no time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass, field

from rocketui.backends.base import HostPool
from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.controller import ControllerClient, ControllerMetadata, ReplicaSet
from rocketui.services.peer_cache import PeerCache

ASK_TIMEOUT = 2.0


@dataclass(frozen=True)
class MasterChange:
    """A master change seen live: `broker_name`'s master went from `old` to `new` at `epoch`."""

    broker_name: str
    epoch: int
    old: str  # addresses
    new: str
    at: float
    cause: str = ""  # what the old master did, as seen then: "died", "was stopped", "handed over"


@dataclass(frozen=True)
class ControllerView:
    """One poll of the controllers (every field by node name or broker name)."""

    metadata: dict[str, ControllerMetadata] = field(default_factory=dict)  # controller node → its answer
    errors: dict[str, str] = field(default_factory=dict)  # controller node → why it did not answer
    leader: str | None = None  # the leader's node name (its address when no node has it)
    replicas: dict[str, ReplicaSet] = field(default_factory=dict)  # broker name → as elected
    replicas_error: str | None = None  # why the leader could not be asked
    changes: dict[tuple[str, int], MasterChange] = field(default_factory=dict)  # (broker name, epoch) → seen live

    def role_of(self, node_name: str) -> str | None:
        """'leader' / 'follower' / 'not answering' for a controller node, None when not asked."""
        if node_name in self.metadata:
            return "leader" if self.metadata[node_name].is_leader else "follower"
        if node_name in self.errors:
            return "not answering"
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "leader": self.leader,
            "controllers": {n: m.to_json() for n, m in self.metadata.items()},
            "errors": dict(self.errors),
            "groups": {n: r.to_json() for n, r in self.replicas.items()},
            "groups_error": self.replicas_error,
        }


class ControllerProbe:
    def __init__(self, cluster: Cluster, pool: HostPool) -> None:
        self.cluster = cluster
        self.pool = pool
        self._clients: PeerCache[ControllerClient] = PeerCache()
        self._lock = asyncio.Lock()
        self.seen: dict[tuple[str, int], MasterChange] = {}  # changes seen live (or journaled)
        self._new: list[MasterChange] = []  # seen in this process, not yet taken by `take_changes`
        self._masters: dict[str, tuple[int, str]] = {}  # broker name → (epoch, master address) last seen
        self.last: ControllerView | None = None

    def _client(self, node: Node) -> ControllerClient:
        addr = self.cluster.controller_endpoint(node)
        backend = self.pool.get(node.host)
        return self._clients.get(
            addr, lambda: ControllerClient(addr, connector=backend.open_connection, timeout=ASK_TIMEOUT)
        )

    async def close(self) -> None:
        await self._clients.close()

    async def view(self, *, skip_hosts: Collection[str] = ()) -> ControllerView | None:
        """None when the cluster has no controller."""
        controllers = self.cluster.controllers
        if not controllers:
            return None
        async with self._lock:
            asked = [c for c in controllers if c.host not in skip_hosts]
            answers = await asyncio.gather(*(self._metadata(c) for c in asked))
            metadata = {c.name: m for c, m in zip(asked, answers, strict=True) if isinstance(m, ControllerMetadata)}
            errors = {c.name: m for c, m in zip(asked, answers, strict=True) if isinstance(m, str)}
            errors.update({c.name: f"host '{c.host}' is not answering" for c in controllers if c.host in skip_hosts})
            leader_addr = next((m.leader_address for m in metadata.values() if m.leader_address), None)
            by_addr = {self.cluster.controller_endpoint(c): c for c in controllers}
            leader = by_addr.get(leader_addr or "")
            replicas: dict[str, ReplicaSet] = {}
            replicas_error: str | None = None
            names = sorted({b.broker_name for b in self.cluster.brokers if b.controller_mode and b.broker_name})
            if leader is None:
                replicas_error = (
                    "no controller answered"
                    if not metadata
                    else f"the controllers name no leader (a Raft election under way, or a majority of "
                    f"{len(controllers)} is not up)"
                    if leader_addr is None
                    else f"the leader {leader_addr} is not a node of the cluster file"
                )
            elif names:
                try:
                    async with asyncio.timeout(ASK_TIMEOUT * 2):
                        replicas = await self._client(leader).sync_state_data(names)
                except Exception as exc:  # any failure: "unknown now", said in the table
                    replicas_error = f"leader {leader.name}: {exc}"
                    await self._clients.drop(self.cluster.controller_endpoint(leader))
            self._remember(replicas)
            self.last = ControllerView(
                metadata=metadata,
                errors=errors,
                leader=leader.name if leader else leader_addr,
                replicas=replicas,
                replicas_error=replicas_error,
                changes=dict(self.seen),
            )
            return self.last

    def _remember(self, replicas: dict[str, ReplicaSet]) -> None:
        now = time.time()
        for name, rs in replicas.items():
            if not rs.has_master:
                continue
            address = rs.master_address or ""
            last = self._masters.get(name)
            key = (name, rs.master_epoch)
            if last is not None and last[0] < rs.master_epoch and last[1] != address and key not in self.seen:
                change = MasterChange(name, rs.master_epoch, last[1], address, now)
                self.seen[key] = change
                self._new.append(change)
            self._masters[name] = (rs.master_epoch, address)

    def take_changes(self) -> list[MasterChange]:
        """Changes seen in this process since the last call (to journal them once)."""
        changes, self._new = self._new, []
        return changes

    def record(self, change: MasterChange) -> None:
        """A change seen earlier by another rocketui (from the journal), or one with its cause
        filled in; the earliest sighting of an epoch wins."""
        key = (change.broker_name, change.epoch)
        known = self.seen.get(key)
        if known is None or change.at < known.at or (change.at == known.at and change.cause):
            self.seen[key] = change

    async def _metadata(self, node: Node) -> ControllerMetadata | str:
        addr = self.cluster.controller_endpoint(node)
        try:
            async with asyncio.timeout(ASK_TIMEOUT):
                return await self._client(node).metadata()
        except TimeoutError:
            await self._clients.drop(addr)
            return f"no answer within {ASK_TIMEOUT:g}s"
        except Exception as exc:
            await self._clients.drop(addr)
            return str(exc) or type(exc).__name__
