"""Add to each node's status what it is *now*, beyond running or not: a controller-mode broker's
elected role, a controller's place in its Raft group, whether a proxy serves; and, in the note
column, what the controllers' decisions say against the cluster file."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from rocketui.model.cluster import Cluster
from rocketui.services.controller_probe import ControllerView
from rocketui.services.elected import elected_notes, elected_roles
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.services.proxy_probe import ProxyProbe, ProxyServing


async def roles_now(
    cluster: Cluster, statuses: dict[str, NodeStatus], view: ControllerView | None, proxies: ProxyProbe
) -> dict[str, NodeStatus]:
    # a late row is the last poll's, already annotated: asked again, a silent host's proxy would
    # cost the poll its port timeouts and the row would get its notes twice
    up = [n for n in cluster.proxies if statuses[n.name].state is NodeState.RUNNING and not statuses[n.name].late]
    serving: dict[str, ProxyServing] = dict(
        zip((n.name for n in up), await asyncio.gather(*(proxies.serving(n) for n in up)), strict=True)
    )
    roles = elected_roles(cluster, view)
    states = {name: s.state for name, s in statuses.items()}
    notes = elected_notes(cluster, view, states)
    out: dict[str, NodeStatus] = {}
    for name, status in statuses.items():
        if status.late:
            out[name] = status
            continue
        node = cluster.node(name)
        changes: dict[str, object] = {}
        if name in roles and status.state is NodeState.RUNNING:
            changes["elected"] = roles[name]
        if node.has_controller and view is not None and status.state is NodeState.RUNNING:
            changes["controller_role"] = view.role_of(name)
        if name in serving:
            changes["proxy"] = serving[name]
            if not serving[name].serving:
                notes[name] = "; ".join(filter(None, [notes.get(name), f"proxy: {serving[name].label()}"]))
        if name in notes:
            changes["note"] = "; ".join(filter(None, [status.note, notes[name]]))
        out[name] = replace(status, **changes) if changes else status  # type: ignore[arg-type]
    return out
