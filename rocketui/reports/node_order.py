"""Which nodes a node list shows, and in what order: the same for the TUI table and `status`.

A fleet has hundreds of nodes: the list is filtered by text and sorted by one of a few keys.
The default groups what belongs together: namesrvs and controllers, then each broker group with
its master before its slaves, then proxies.  "state" puts what needs attention first; the load
keys (put TPS, store disk use, dispatch lag) the busiest broker first, nodes without figures last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rocketui.model.cluster import Cluster, Node, NodeKind
from rocketui.reports.status import role
from rocketui.services.broker_stats import BrokerStats
from rocketui.services.node_status import NodeState, NodeStatus

# the load keys: the broker runtime figure each sorts by, highest first
LOAD_SORTS: dict[str, Callable[[BrokerStats], float | int | None]] = {
    "put tps": lambda s: s.put_tps,
    "disk": lambda s: s.disk_ratio,
    "behind": lambda s: s.dispatch_behind_bytes,
}
SORTS = ("group", "host", "name", "state", "uptime", *LOAD_SORTS)
# most urgent first
_STATE_RANK = {
    NodeState.CRASHED: 0,
    NodeState.FAILED: 1,
    NodeState.UNKNOWN: 2,
    NodeState.STARTING: 3,
    NodeState.STOPPING: 4,
    NodeState.STOPPED: 5,
    NodeState.RUNNING: 6,
}


def _group_key(node: Node) -> tuple[int, str, int, str]:
    if node.kind in (NodeKind.NAMESRV, NodeKind.CONTROLLER):
        return (0, "", 0, "")  # equal keys: the sort is stable, so namesrvs keep the file's order
    if node.kind is NodeKind.BROKER:
        return (1, node.broker_name or node.name, node.broker_id, node.name)
    return (2, node.kind.value, 0, node.name)  # proxies (and kinds added later) after the brokers


def matches(cluster: Cluster, node: Node, status: NodeStatus | None, needle: str) -> bool:
    """Case-insensitive substring of the node's name, kind, host, address, role, brokerName,
    state or note."""
    if not needle:
        return True
    words = [node.name, node.kind.value, node.host, cluster.endpoint(node), role(node, status), node.broker_name or ""]
    if status is not None:
        words += [status.state.value, status.note, status.host_state]
    needle = needle.lower()
    return any(needle in w.lower() for w in words if w)


def _load_key(node: Node, figure: float | int | None) -> tuple[int, float, tuple[int, str, int, str]]:
    """Highest first; without a figure (namesrvs, stopped brokers, a broker that did not answer)
    last, in group order."""
    if figure is None:
        return (1, 0.0, _group_key(node))
    return (0, -float(figure), _group_key(node))


def ordered(
    cluster: Cluster,
    statuses: Mapping[str, NodeStatus],
    *,
    sort: str = "group",
    needle: str = "",
    load: Mapping[str, BrokerStats] | None = None,
) -> list[Node]:
    """The nodes to show, in order; `load` (node name -> its broker's runtime figures) is what the
    load keys sort by."""
    shown = [n for n in cluster.nodes if matches(cluster, n, statuses.get(n.name), needle)]
    if sort == "host":
        return sorted(shown, key=lambda n: (n.host, _group_key(n)))
    if sort == "name":
        return sorted(shown, key=lambda n: n.name)
    if sort == "state":
        return sorted(
            shown,
            key=lambda n: (_STATE_RANK.get(statuses[n.name].state, 2) if n.name in statuses else 2, _group_key(n)),
        )
    if sort == "uptime":  # longest running first; not running last
        return sorted(
            shown, key=lambda n: (statuses[n.name].started_at or float("inf")) if n.name in statuses else float("inf")
        )
    if sort in LOAD_SORTS:
        figure = LOAD_SORTS[sort]
        figures = load or {}

        def key(n: Node) -> tuple[int, float, tuple[int, str, int, str]]:
            stats = figures.get(n.name)
            return _load_key(n, figure(stats) if stats is not None and not stats.error else None)

        return sorted(shown, key=key)
    return sorted(shown, key=_group_key)
