"""Controller-mode brokers as elected now, compared with the cluster file (pure).

The cluster file's broker_id 0 is the master it intends; the controllers decide who is master
after every failure.  This turns a `ControllerView` into each broker's role now (master / slave,
the epoch, in the sync-state set or not) and into findings about what differs from the file, in
words the node table, `status` and health share: "broker-a-s is master since 10:42:07 after
broker-a died".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from rocketui.model.cluster import Cluster, Node
from rocketui.rocketmq.remoting.controller import ReplicaSet
from rocketui.services.controller_probe import ControllerView
from rocketui.services.node_status import NodeState


@dataclass(frozen=True)
class Elected:
    """A controller-mode broker's role as the controllers decided it."""

    role: str  # "master" | "slave" | "unregistered" (the controllers do not know it) | "unknown"
    epoch: int | None = None  # its group's master epoch
    in_sync: bool | None = None  # in the group's sync-state set
    controller_id: int | None = None
    master: str | None = None  # its group's master (node name, else address)
    sync_state_set: tuple[str, ...] = ()  # node names (else addresses)
    since: float | None = None  # masters: when rocketui saw this master take over (None: not seen)

    def label(self) -> str:
        """The node table's role cell."""
        if self.role == "master":
            return f"master e{self.epoch} ({len(self.sync_state_set)} in sync)"
        if self.role == "slave":
            return f"slave e{self.epoch}" + ("" if self.in_sync else " (not in sync)")
        return self.role

    def to_json(self) -> dict[str, object]:
        return {
            "role": self.role,
            "epoch": self.epoch,
            "in_sync": self.in_sync,
            "controller_id": self.controller_id,
            "master": self.master,
            "sync_state_set": list(self.sync_state_set),
            "since": self.since,
        }


class ElectedKind(Enum):
    NO_MASTER = "no master"
    MOVED = "master moved"
    OUT_OF_SYNC = "not in sync"
    UNREGISTERED = "unknown to the controllers"
    UNKNOWN = "controllers unknown"


@dataclass(frozen=True)
class ElectedFinding:
    node: str
    kind: ElectedKind
    text: str
    problem: bool  # False: the cluster works, it just differs from the file


def clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def _names(cluster: Cluster) -> dict[str, str]:
    return {cluster.endpoint(b): b.name for b in cluster.brokers}


def _groups(cluster: Cluster) -> dict[str, list[Node]]:
    out: dict[str, list[Node]] = {}
    for b in cluster.brokers:
        if b.controller_mode and b.broker_name:
            out.setdefault(b.broker_name, []).append(b)
    return out


def elected_roles(cluster: Cluster, view: ControllerView | None) -> dict[str, Elected]:
    """node name → its role now, for every controller-mode broker (role "unknown" when the
    controllers could not be asked)."""
    out: dict[str, Elected] = {}
    names = _names(cluster)
    for group, brokers in _groups(cluster).items():
        rs = view.replicas.get(group) if view else None
        for b in brokers:
            if view is None or (rs is None and view.replicas_error):
                out[b.name] = Elected("unknown")
            elif rs is None:
                out[b.name] = Elected("unregistered")
            else:
                out[b.name] = _elected(cluster, b, rs, names, view)
    return out


def _elected(cluster: Cluster, b: Node, rs: ReplicaSet, names: dict[str, str], view: ControllerView) -> Elected:
    me = cluster.endpoint(b)
    replica = rs.replica(me)
    in_sync = tuple(names.get(r.address, r.address) for r in rs.in_sync)
    master = names.get(rs.master_address or "", rs.master_address) if rs.has_master else None
    if replica is None:
        return Elected("unregistered", rs.master_epoch, master=master, sync_state_set=in_sync)
    is_master = rs.has_master and rs.master_address == me
    return Elected(
        role="master" if is_master else "slave",
        epoch=rs.master_epoch,
        in_sync=any(r.address == me for r in rs.in_sync),
        controller_id=replica.broker_id,
        master=master,
        sync_state_set=in_sync,
        since=_since(view, rs) if is_master else None,
    )


def _since(view: ControllerView, rs: ReplicaSet) -> float | None:
    change = view.changes.get((rs.broker_name, rs.master_epoch))
    return change.at if change else None


_DOWN_WORDS = {
    NodeState.CRASHED: "died",
    NodeState.STOPPED: "was stopped",
    NodeState.STOPPING: "was stopped",
    NodeState.FAILED: "failed",
}


def cause_of(state: NodeState | None) -> str:
    """What a master that lost its role did, in words, judged by its state now."""
    if state in _DOWN_WORDS:
        return _DOWN_WORDS[state]
    if state is NodeState.RUNNING:
        return "handed over"
    return "went down"


def _after(previous: str, cause: str) -> str:
    return f" ({previous} handed over)" if cause == "handed over" else f" after {previous} {cause}"


def elected_findings(
    cluster: Cluster, view: ControllerView | None, states: Mapping[str, NodeState]
) -> list[ElectedFinding]:
    """What the controllers' decisions say against the cluster file, per node."""
    out: list[ElectedFinding] = []
    groups = _groups(cluster)
    if not groups:
        return out
    roles = elected_roles(cluster, view)
    names = _names(cluster)
    for group, brokers in groups.items():
        running = [b for b in brokers if states.get(b.name) is NodeState.RUNNING]
        if view is None or view.replicas_error:
            why = "no controller is defined" if view is None else view.replicas_error
            for b in running:
                out.append(ElectedFinding(b.name, ElectedKind.UNKNOWN, f"role unknown: {why}", True))
            continue
        rs = view.replicas.get(group)
        defined = next((b for b in brokers if b.broker_id == 0), None)
        if rs is None or not rs.has_master:
            for b in running or brokers[:1]:
                out.append(
                    ElectedFinding(
                        b.name,
                        ElectedKind.NO_MASTER,
                        f"{group} has no master: the controllers elected none (no replica of its sync-state "
                        "set is alive, or none registered yet)",
                        True,
                    )
                )
            continue
        master = names.get(rs.master_address or "")
        if defined is not None and master is not None and master != defined.name:
            change = view.changes.get((group, rs.master_epoch))
            if change is not None:
                previous = names.get(change.old, change.old)
                cause = change.cause or cause_of(states.get(previous))
                text = f"{master} is master since {clock(change.at)}{_after(previous, cause)}"
            else:  # it changed while no rocketui watched: no time to tell
                text = f"{master} is master (epoch {rs.master_epoch}) instead of {defined.name}"
            text += f"; the cluster file intends {defined.name}" if change is not None else ""
            out.append(ElectedFinding(master, ElectedKind.MOVED, text, False))
            if states.get(defined.name) is NodeState.RUNNING and roles.get(defined.name, Elected("")).role == "slave":
                out.append(ElectedFinding(defined.name, ElectedKind.MOVED, f"slave now: {text}", False))
        for b in running:
            role = roles.get(b.name)
            if role is None:
                continue
            if role.role == "unregistered":
                out.append(
                    ElectedFinding(
                        b.name,
                        ElectedKind.UNREGISTERED,
                        "running but not registered with the controllers: it serves no role yet",
                        True,
                    )
                )
            elif role.role == "slave" and not role.in_sync:
                out.append(
                    ElectedFinding(
                        b.name,
                        ElectedKind.OUT_OF_SYNC,
                        f"not in {group}'s sync-state set (catching up): it cannot be elected if the master fails",
                        False,
                    )
                )
    return out


def elected_notes(cluster: Cluster, view: ControllerView | None, states: Mapping[str, NodeState]) -> dict[str, str]:
    """node name → the note column's words from the elected state."""
    out: dict[str, list[str]] = {}
    for f in elected_findings(cluster, view, states):
        out.setdefault(f.node, []).append(f.text)
    return {k: "; ".join(v) for k, v in out.items()}
