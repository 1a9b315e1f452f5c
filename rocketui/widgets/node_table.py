"""The node table: one row per node, cells updated in place on every poll."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import DataTable

from rocketui.model.cluster import BackendKind, Cluster, Node, NodeKind
from rocketui.reports.status import COLUMNS, status_row
from rocketui.services.node_status import NodeState, NodeStatus
from rocketui.text import inert

STATE_STYLE = {
    NodeState.RUNNING: "bold green",
    NodeState.STARTING: "bold yellow",
    NodeState.STOPPING: "bold yellow",
    NodeState.STOPPED: "dim",
    NodeState.FAILED: "bold red",
    NodeState.CRASHED: "bold white on red",
    NodeState.UNKNOWN: "magenta",
}

HOST_STATE_CHARS = 48  # the start of a long reason; the detail line under the table has all of it


def host_state_style(state: str) -> str:
    if state == "connected":
        return "green"
    if state == "connecting":
        return "yellow"
    return "bold red" if state.startswith("unreachable") else "dim"


def display_order(cluster: Cluster) -> list[Node]:
    """Namesrvs and controllers first, then brokers grouped by brokerName with the master before
    its slaves, then proxies (the order start-all takes them)."""
    first = [n for n in cluster.nodes if n.kind in (NodeKind.NAMESRV, NodeKind.CONTROLLER)]
    brokers = sorted(
        (n for n in cluster.nodes if n.kind is NodeKind.BROKER), key=lambda n: (n.broker_name or "", n.broker_id)
    )
    return first + brokers + [n for n in cluster.nodes if n.kind is NodeKind.PROXY]


class NodeTable(DataTable):
    def __init__(self, cluster: Cluster, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.cluster = cluster
        self.statuses: dict[str, NodeStatus] = {}

    def on_mount(self) -> None:
        # Live columns get fixed widths so values never get cut when they change.
        widths = {"state": 11, "pid": 8, "uptime": 8, "registered": 10}
        for col in COLUMNS:
            self.add_column(col.capitalize(), key=col, width=widths.get(col))
        for node in display_order(self.cluster):
            self.add_row(*self._cells(node, None), key=node.name)

    def _cells(self, node: Node, status: NodeStatus | None, now: float | None = None) -> list[Text]:
        # Text, never str: a DataTable reads str cells as markup, and these quote hosts
        row: list[Text] = [Text(inert(c)) for c in status_row(self.cluster, node, status, now)]
        state = status.state if status else NodeState.UNKNOWN
        label = state.value if not (status and status.host_state.startswith("unreachable")) else "unreachable"
        row[COLUMNS.index("state")] = Text(label, style=STATE_STYLE[state])
        row[COLUMNS.index("host")] = self._host_cell(node, status)
        reg = row[COLUMNS.index("registered")]
        if status and status.registered is False and state is NodeState.RUNNING:
            reg.stylize("bold red")
        if status and status.note:  # the namesrvs disagree with the cluster file
            row[COLUMNS.index("note")] = Text(inert(status.note), style="bold yellow")
        return row

    def _host_cell(self, node: Node, status: NodeStatus | None) -> Text:
        """The host's name and, for an SSH host, its connection: connecting (also before the
        first poll, which connects), connected, unreachable: reason."""
        if self.cluster.host(node.host).backend is BackendKind.LOCAL:
            return Text(node.host)
        state = inert(status.host_state) if status and status.host_state else "connecting"
        shown = state if len(state) <= HOST_STATE_CHARS else state[: HOST_STATE_CHARS - 1] + "…"
        return Text.assemble(node.host, " ", (shown, host_state_style(state)))

    def update_statuses(self, statuses: dict[str, NodeStatus], now: float | None = None) -> None:
        self.statuses.update(statuses)
        now = now or time.time()
        for node in self.cluster.nodes:
            status = self.statuses.get(node.name)
            for col, value in zip(COLUMNS, self._cells(node, status, now), strict=False):
                if col in ("node", "kind", "address"):
                    continue
                self.update_cell(node.name, col, value, update_width=col in ("host", "note", "role"))

    @property
    def selected_node(self) -> Node | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.cluster.node(key) if key else None

    def select_node(self, name: str) -> None:
        """Move the cursor to the row of node `name` (rows are keyed by node name)."""
        self.move_cursor(row=self.get_row_index(name))
