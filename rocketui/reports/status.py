"""The node table: columns and cells of a node's status, shared by the TUI table and `status`."""

from __future__ import annotations

import time

from rocketui.model.cluster import Cluster, Node, NodeKind
from rocketui.services.node_status import NodeStatus
from rocketui.text import inert


def uptime(started_at: float | None, now: float | None = None) -> str:
    if not started_at:
        return ""
    secs = max(0, int((now or time.time()) - started_at))
    days, rem = divmod(secs, 86400)
    hours, rem = divmod(rem, 3600)
    mins, secs = divmod(rem, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{mins:02d}m"
    return f"{mins}m{secs:02d}s"


def role(node: Node, status: NodeStatus | None = None) -> str:
    """What the node is: from the cluster file, and — when known — as it is now: a controller-mode
    broker's elected role and epoch, a controller's place in its Raft group, a proxy's serving."""
    if node.kind is NodeKind.BROKER:
        if node.controller_mode:
            text = status.elected.label() if status and status.elected else f"controller mode #{node.broker_id}"
        else:
            text = f"{node.role.value if node.role else 'ASYNC_MASTER'} #{node.broker_id}"
    elif node.kind is NodeKind.CONTROLLER:
        text = "controller"
    else:
        text = node.kind.value
    if node.has_controller:
        text += " + controller" if node.kind is NodeKind.NAMESRV else ""
        if status and status.controller_role:
            text += f" {status.controller_role}"
    if node.serves_proxy:
        if node.kind is NodeKind.BROKER:
            text += " + proxy"
        if status and status.proxy:
            text += f" {status.proxy.label()}"
    return text


def registered(status: NodeStatus | None) -> str:
    if status is None or status.registered_at is None:
        return ""
    return f"{len(status.registered_at)}/{status.namesrv_count}"


def address(cluster: Cluster, node: Node) -> str:
    return cluster.endpoint(node)


COLUMNS = ("node", "kind", "host", "address", "role", "state", "pid", "uptime", "registered", "note")


def host_cell(status: NodeStatus | None, host: str) -> str:
    """The host and, when its link is not plainly up, how it is (connecting, unreachable)."""
    state = status.host_state if status else ""
    if state in ("", "local", "connected"):
        return host
    return f"{host} ({'unreachable' if state.startswith('unreachable') else state})"


def status_row(cluster: Cluster, node: Node, status: NodeStatus | None, now: float | None = None) -> tuple[str, ...]:
    return (
        node.name,
        node.kind.value,
        host_cell(status, node.host),
        address(cluster, node),
        role(node, status),
        status.state.value if status else "unknown",
        str(status.pid) if status and status.pid else "",
        uptime(status.started_at if status else None, now),
        registered(status),
        status.note if status else "",
    )


# The command line also says which RocketMQ release each node runs (the TUI shows it in the detail line).
CLI_COLUMNS = (*COLUMNS, "version")


def _version(status: NodeStatus | None) -> str:
    return (status.version or "") if status else ""


def status_table(cluster: Cluster, statuses: dict[str, NodeStatus]) -> str:
    """The `status` table (with the release each node runs) and, under it, each unreachable host's
    reason and each node's message (both can quote a host or a process: shown inert)."""
    rows = [CLI_COLUMNS] + [
        tuple(inert(c) for c in (*status_row(cluster, n, statuses.get(n.name)), _version(statuses.get(n.name))))
        for n in cluster.nodes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(CLI_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip() for r in rows]
    down = {
        n.host: s.host_state
        for n in cluster.nodes
        if (s := statuses.get(n.name)) and s.host_state.startswith("unreachable")
    }
    said = {n.name for n in cluster.nodes if n.host in down}  # their message is the host's reason
    notes = [f"host {host}: {state}" for host, state in down.items()]
    notes += [f"{s.node}: {s.message}" for s in statuses.values() if s.message and s.node not in said]
    return "\n".join(lines + [inert(n) for n in notes])
