"""Does what the namesrvs report match the cluster file? (pure)

Each namesrv answers GET_BROKER_CLUSTER_INFO with broker names → {brokerId: address}.  This
compares every answering namesrv's view with the defined brokers and says, per node, what is
off: not registered (or only at some namesrvs), registered under another name, id or cluster,
still registered although stopped, a slave whose master is down (the namesrv then lists the
broker name without id 0), a master whose slaves are gone.  Registrations nobody defined
(same cluster or one of our broker names) are reported on the namesrv that holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING

from rocketui.model.cluster import Cluster, Node
from rocketui.services.node_status import NodeState, NodeStatus

if TYPE_CHECKING:  # not imported at run time: the remoting package costs ~30 ms to import (TUI start-up)
    from rocketui.rocketmq.remoting.route import ClusterInfo

MASTER_ID = 0  # brokerId of a master


class Kind(Enum):
    NOT_REGISTERED = "not registered"
    PARTIAL = "registered at some namesrvs only"
    WRONG_ID = "wrong broker id"
    WRONG_NAME = "wrong broker name"
    WRONG_CLUSTER = "wrong cluster"
    STALE = "stopped but still registered"
    MASTER_DOWN = "master down"
    MASTER_ELSEWHERE = "another master registered"
    SLAVE_DOWN = "slave down"
    UNEXPECTED = "unexpected registration"


@dataclass(frozen=True)
class Finding:
    node: str  # the defined node it is about (for UNEXPECTED: the namesrv that reports it)
    kind: Kind
    text: str


@dataclass(frozen=True)
class TopologyReport:
    findings: tuple[Finding, ...] = ()
    answered: tuple[str, ...] = ()  # namesrv addresses whose view was compared

    def for_node(self, name: str) -> list[Finding]:
        return [f for f in self.findings if f.node == name]

    def notes(self) -> dict[str, str]:
        out: dict[str, list[str]] = {}
        for f in self.findings:
            out.setdefault(f.node, []).append(f.text)
        return {k: "; ".join(v) for k, v in out.items()}

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class _Seen:
    """Where one address is registered: namesrv → (cluster, broker name, id)."""

    at: dict[str, tuple[str, str, int]] = field(default_factory=dict)


_UP = (NodeState.RUNNING, NodeState.STARTING)


def check_topology(
    cluster: Cluster, views: Mapping[str, ClusterInfo], states: Mapping[str, NodeState] | None = None
) -> TopologyReport:
    """`views`: namesrv address → its cluster info (only namesrvs that answered).  `states`:
    node name → state, when known (without it, "down" is judged from the namesrvs alone)."""
    check = _Check(cluster, views, states or {})
    for b in cluster.brokers:
        check.registration(b)
        check.identity(b)
        if b.broker_id > 0:
            check.master_of(b)
        else:
            check.slaves_of(b)
    check.unexpected()
    return TopologyReport(tuple(check.findings), tuple(views))


class _Check:
    """The facts every rule needs, worked out once; each rule adds its findings."""

    def __init__(self, cluster: Cluster, views: Mapping[str, ClusterInfo], states: Mapping[str, NodeState]) -> None:
        self.cluster = cluster
        self.views = views
        self.states = states
        self.findings: list[Finding] = []
        self.seen: dict[str, _Seen] = {}
        for ns, info in views.items():
            for data in info.brokers.values():
                for bid, addr in data.addrs.items():
                    self.seen.setdefault(addr, _Seen()).at[ns] = (data.cluster, data.broker_name, bid)
        self.addr_of = {b.name: cluster.endpoint(b) for b in cluster.brokers}
        self.masters = {b.broker_name: b for b in cluster.brokers if b.broker_id == 0}

    def add(self, node: str, kind: Kind, text: str) -> None:
        self.findings.append(Finding(node, kind, text))

    def short(self, ns: str) -> str:
        for n in self.cluster.namesrvs:
            if self.cluster.endpoint(n) == ns:
                return n.name
        return ns

    def where(self, b: Node) -> dict[str, tuple[str, str, int]]:
        return self.seen.get(self.addr_of[b.name], _Seen()).at

    def is_down(self, state: NodeState | None) -> bool:
        return state is not None and state not in _UP

    def down(self, node: Node) -> str | None:
        """Why `node` counts as down (None when it is up): its state, else the namesrvs."""
        state = self.states.get(node.name)
        if self.is_down(state):
            assert state is not None
            return state.value
        if self.views and self.addr_of[node.name] not in self.seen:
            return "not registered at any namesrv"
        return None

    def registration(self, b: Node) -> None:
        where, state = self.where(b), self.states.get(b.name)
        if where and self.is_down(state):
            assert state is not None
            self.add(
                b.name,
                Kind.STALE,
                f"{state.value} but still registered at {', '.join(self.short(ns) for ns in where)} "
                "(dropped when its connection closes, at the latest after 120 s)",
            )
        elif self.views and state is NodeState.RUNNING and not where:
            self.add(b.name, Kind.NOT_REGISTERED, "not registered at any namesrv")
        elif where and len(where) < len(self.views):
            missing = [self.short(ns) for ns in self.views if ns not in where]
            self.add(b.name, Kind.PARTIAL, f"not registered at {', '.join(missing)}")

    def identity(self, b: Node) -> None:
        """Name, id and cluster as registered, grouped so that namesrvs that agree are named together."""
        by_identity: dict[tuple[str, str, int], list[str]] = {}
        for ns, identity in sorted(self.where(b).items()):
            by_identity.setdefault(identity, []).append(self.short(ns))
        for (cname, bname, bid), at in by_identity.items():
            at_text = ", ".join(at)
            if bname != b.broker_name:
                self.add(b.name, Kind.WRONG_NAME, f"registered as {bname} at {at_text} (defined: {b.broker_name})")
            elif b.controller_mode:
                pass  # ids are the controllers': 0 for whoever is elected master, theirs for slaves
            elif bid != b.broker_id:
                role = "master" if b.broker_id == 0 else "slave"
                self.add(
                    b.name, Kind.WRONG_ID, f"registered as id {bid} at {at_text} (defined: id {b.broker_id}, {role})"
                )
            if cname != self.cluster.name:
                self.add(
                    b.name,
                    Kind.WRONG_CLUSTER,
                    f"registered in cluster {cname} at {at_text} (defined: {self.cluster.name})",
                )

    def master_of(self, b: Node) -> None:
        master = self.masters.get(b.broker_name)
        if master is None or self.is_down(self.states.get(b.name)) or b.controller_mode:
            # a stopped slave shows as stopped; its master is not its problem now.  In controller
            # mode the controllers pick the master: `elected` compares their choice with the file
            return
        why = self.down(master)
        listed = {
            info.brokers[b.broker_name].addrs.get(MASTER_ID)
            for info in self.views.values()
            if b.broker_name in info.brokers
        } - {None, self.addr_of[master.name]}
        if why and (self.states.get(master.name) not in _UP or not listed):
            self.add(b.name, Kind.MASTER_DOWN, f"master down ({master.name}: {why})")
        elif listed:
            self.add(
                b.name,
                Kind.MASTER_ELSEWHERE,
                f"namesrv lists master {', '.join(sorted(str(x) for x in listed))} "
                f"(defined: {master.name} at {self.addr_of[master.name]})",
            )

    def slaves_of(self, b: Node) -> None:
        if self.down(b):
            return
        gone = [
            s.name for s in self.cluster.brokers if s.broker_name == b.broker_name and s.broker_id > 0 and self.down(s)
        ]
        if gone:
            self.add(b.name, Kind.SLAVE_DOWN, f"slave down ({', '.join(gone)})")

    def unexpected(self) -> None:
        ours = {b.broker_name for b in self.cluster.brokers}
        defined = set(self.addr_of.values())
        for ns, info in self.views.items():
            extra = [
                f"{d.broker_name}#{bid} {addr}"
                for d in info.brokers.values()
                if d.cluster == self.cluster.name or d.broker_name in ours
                for bid, addr in sorted(d.addrs.items())
                if addr not in defined
            ]
            if extra:
                self.add(self.short(ns), Kind.UNEXPECTED, f"unexpected broker(s) registered: {', '.join(extra)}")


def annotate(
    cluster: Cluster, statuses: dict[str, NodeStatus], views: Mapping[str, ClusterInfo] | None
) -> dict[str, NodeStatus]:
    """The statuses with `note` set from the topology check (unchanged when nothing is off)."""
    if not cluster.brokers:
        return statuses
    report = check_topology(cluster, views or {}, {n: s.state for n, s in statuses.items()})
    notes = report.notes()
    return {name: replace(s, note=notes[name]) if name in notes else s for name, s in statuses.items()}
