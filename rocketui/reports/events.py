"""Recent events for the main screen's events pane: what changed between two polls (crashes,
nodes up and down, hosts lost and back, registrations lost, what the namesrvs disagree on) and
how actions ended — what an operator wants to see first."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from rocketui.model.cluster import Cluster
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.text import inert
from rocketui.usecases.gate import Outcome

INFO, WARNING, ERROR = "info", "warning", "error"


@dataclass(frozen=True)
class Event:
    at: float
    severity: str  # INFO | WARNING | ERROR
    subject: str  # a node, a host, an action
    text: str

    def line(self) -> str:
        """One inert line: the subject and text can quote a host or a process."""
        clock = time.strftime("%H:%M:%S", time.localtime(self.at))
        return inert(f"{clock}  {self.subject}: {self.text}")


def opened(cluster: Cluster, now: float) -> Event:
    """The first line: what is watched, so an empty pane reads as 'nothing happened since'."""
    hosts = len({n.host for n in cluster.nodes})
    where = f"{hosts} host" + ("s" if hosts != 1 else "")
    return Event(now, INFO, f"cluster {cluster.name}", f"watching {len(cluster.nodes)} nodes on {where}")


def _unreachable(status: NodeStatus | None) -> bool:
    return status is not None and status.host_state.startswith("unreachable")


def status_events(
    cluster: Cluster, before: Mapping[str, NodeStatus], after: Mapping[str, NodeStatus], now: float
) -> list[Event]:
    """Events between two polls; `before` empty on the first poll (then only what needs
    attention already: crashes and disagreements)."""
    events = _host_events(cluster, before, after, now)
    for name, new in after.items():
        old = before.get(name)
        if _unreachable(new) or _unreachable(old):
            continue  # said once for the host
        events.extend(_node_events(name, old, new, now))
    return events


def _host_events(
    cluster: Cluster, before: Mapping[str, NodeStatus], after: Mapping[str, NodeStatus], now: float
) -> list[Event]:
    events: list[Event] = []
    seen: set[str] = set()
    for node in cluster.nodes:
        if node.host in seen or node.name not in after:
            continue
        seen.add(node.host)
        old, new = before.get(node.name), after[node.name]
        if _unreachable(new) and not _unreachable(old):
            events.append(Event(now, ERROR, f"host {node.host}", new.host_state))
        elif _unreachable(old) and not _unreachable(new) and new.state is not NodeState.UNKNOWN:
            events.append(Event(now, INFO, f"host {node.host}", "answering again"))
    return events


def _node_events(name: str, old: NodeStatus | None, new: NodeStatus, now: float) -> list[Event]:
    events: list[Event] = []
    was = old.state if old else None
    if new.state is not was and was is not NodeState.UNKNOWN and new.state is not NodeState.UNKNOWN:
        event = _state_event(name, was, new, now)
        if event is not None:
            events.append(event)
    if new.note and (old is None or old.note != new.note):
        events.append(Event(now, WARNING, name, new.note))
    if old is not None and old.registered is True and new.registered is False and new.state is NodeState.RUNNING:
        count = len(new.registered_at or ())
        events.append(Event(now, WARNING, name, f"registered at {count} of {new.namesrv_count} namesrvs"))
    return events


def _state_event(name: str, was: NodeState | None, new: NodeStatus, now: float) -> Event | None:
    if new.state is NodeState.CRASHED:
        return Event(now, ERROR, name, f"crashed: {new.message}" if new.message else "crashed")
    if new.state is NodeState.FAILED:
        return Event(now, ERROR, name, f"start failed: {new.message}" if new.message else "start failed")
    if was is None:
        return None  # the first poll: the table shows the rest
    if new.state is NodeState.RUNNING:
        return Event(now, INFO, name, f"running (pid {new.pid})" if new.pid else "running")
    if new.state is NodeState.STOPPED:
        return Event(now, INFO if was is NodeState.STOPPING else WARNING, name, "stopped")
    return None  # starting/stopping: the action's own lines say it


def outcome_event(outcome: Outcome[object], now: float) -> Event:
    """How a change ended."""
    subject = f"{outcome.action} {outcome.target}".strip() if outcome.target else outcome.action
    if outcome.ok:
        return Event(now, INFO, subject, outcome.summary)
    return Event(now, ERROR, subject, f"{'refused' if outcome.refused else 'failed'}: {outcome.summary}")
