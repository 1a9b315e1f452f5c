"""The node table: one row per node, cells updated in place on every poll."""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from rocketui.model.cluster import BackendKind, Cluster, Node
from rocketui.reports.broker_load import LOAD_COLUMNS, LoadCells, LoadHistory
from rocketui.reports.node_order import LOAD_SORTS, ordered
from rocketui.reports.status import COLUMNS, status_row
from rocketui.services.node_status import LATE, NodeState, NodeStatus
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

ROWS_PER_TURN = 50
# The status columns (shared with `status`), then the load columns, the note last (mostly empty).
TABLE_COLUMNS = (*COLUMNS[:-1], *LOAD_COLUMNS, COLUMNS[-1])
FIXED = ("node", "kind", "address")  # never change after a row is added
WIDTHS = {"state": 11, "pid": 8, "uptime": 8, "registered": 10, "load": 32, "disk": 5, "behind": 10}
DISK_STYLE = {"warn": "bold yellow", "full": "bold white on red"}
SIZED_COLUMNS = ("host", "role", "note")  # live columns that grow and shrink with their text
HOST_STATE_CHARS = 48  # the start of a long reason; the detail line under the table has all of it


def host_state_style(state: str) -> str:
    if state == "connected":
        return "green"
    if state == "connecting" or state.startswith(LATE):
        return "yellow"
    return "bold red" if state.startswith("unreachable") else "dim"


def display_order(cluster: Cluster) -> list[Node]:
    """Namesrvs first, then brokers grouped by brokerName with the master before its slaves."""
    return ordered(cluster, {})


class NodeTable(DataTable[Text]):
    """Rows keyed by node name.  A poll updates only the cells whose text changed; the filter and
    the sort order rebuild the rows and keep the cursor on the node it was on."""

    def __init__(self, cluster: Cluster, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.cluster = cluster
        self.statuses: dict[str, NodeStatus] = {}
        self.sort_key = "group"
        self.needle = ""
        self._shown: dict[str, tuple[str, ...]] = {}  # node → the raw cells on screen
        self._load: dict[str, LoadCells] = {}  # node → its load cells on screen
        self.load = LoadHistory(cluster)
        self._widths: dict[str, dict[str, int]] = {col: {} for col in SIZED_COLUMNS}  # column → node → cells

    def on_mount(self) -> None:
        # Live columns get fixed widths so values never get cut when they change.
        for col in TABLE_COLUMNS:
            self.add_column(col.capitalize(), key=col, width=WIDTHS.get(col))
        self._rebuild()

    @property
    def shown_names(self) -> list[str]:
        return list(self._shown)

    def _rebuild(self, now: float | None = None) -> None:
        keep = self.selected_node
        self.clear()
        self._shown = {}
        self._load = {}
        self._widths = {col: {} for col in SIZED_COLUMNS}
        now = now or time.time()
        for node in self._ordered():
            status = self.statuses.get(node.name)
            self._shown[node.name] = status_row(self.cluster, node, status, now)
            self._load[node.name] = self.load.cells(node)
            cells = {**self._cells(node, status, now), **_load_cells(self._load[node.name])}
            for col in SIZED_COLUMNS:
                self._widths[col][node.name] = cells[col].cell_len
            self.add_row(*(cells[col] for col in TABLE_COLUMNS), key=node.name)
        if keep is not None and keep.name in self._shown:
            self.select_node(keep.name)

    def _ordered(self) -> list[Node]:
        load = self.load.by_node() if self.sort_key in LOAD_SORTS else None
        return ordered(self.cluster, self.statuses, sort=self.sort_key, needle=self.needle, load=load)

    def set_view(self, *, sort: str | None = None, needle: str | None = None) -> None:
        """Change the filter text or the sort key (rows rebuilt, cursor kept on its node)."""
        self.sort_key = sort if sort is not None else self.sort_key
        self.needle = needle if needle is not None else self.needle
        self._rebuild()

    def _cells(self, node: Node, status: NodeStatus | None, now: float | None = None) -> dict[str, Text]:
        # Text, never str: a DataTable reads str cells as markup, and these quote hosts
        row = {col: Text(inert(c)) for col, c in zip(COLUMNS, status_row(self.cluster, node, status, now), strict=True)}
        state = status.state if status else NodeState.UNKNOWN
        label = state.value if not (status and status.host_state.startswith("unreachable")) else "unreachable"
        row["state"] = Text(label, style=STATE_STYLE[state])
        row["host"] = self._host_cell(node, status)
        if status and status.registered is False and state is NodeState.RUNNING:
            row["registered"].stylize("bold red")
        if status and status.note:  # the namesrvs disagree with the cluster file
            row["note"] = Text(inert(status.note), style="bold yellow")
        elected = status.elected if status else None
        if elected is not None and elected.role == "master":  # the master as elected: yellow when not the file's
            row["role"].stylize("bold" if node.broker_id == 0 else "bold yellow")
        elif elected is not None and (elected.role in ("unknown", "unregistered") or not elected.in_sync):
            row["role"].stylize("yellow")
        if status and status.proxy is not None and not status.proxy.serving:
            row["role"].stylize("bold red")
        return row

    def _host_cell(self, node: Node, status: NodeStatus | None) -> Text:
        """The host's name and, for an SSH host, its connection: connecting (also before the
        first poll, which connects), connected, unreachable: reason."""
        if self.cluster.host(node.host).backend is BackendKind.LOCAL:
            return Text(node.host)
        state = inert(status.host_state) if status and status.host_state else "connecting"
        shown = state if len(state) <= HOST_STATE_CHARS else state[: HOST_STATE_CHARS - 1] + "…"
        return Text.assemble(node.host, " ", (shown, host_state_style(state)))

    async def update_statuses(self, statuses: dict[str, NodeStatus], now: float | None = None) -> None:
        """Update the changed cells, ROWS_PER_TURN rows per turn of the event loop so keys are
        answered while 300 rows change."""
        self.statuses.update(statuses)
        now = now or time.time()
        if self.needle or self.sort_key == "state":  # which rows, or their order, may have changed
            wanted = [n.name for n in self._ordered()]
            if wanted != list(self._shown):
                self._rebuild(now)
                return
        resized: set[str] = set()
        for index, name in enumerate(list(self._shown)):
            if index and index % ROWS_PER_TURN == 0:
                await asyncio.sleep(0)
                if name not in self._shown:  # rebuilt meanwhile (filter, sort): it has the new statuses
                    return
            node = self.cluster.node(name)
            status = self.statuses.get(name)
            raw = status_row(self.cluster, node, status, now)
            if raw == self._shown[name] and not (status and (status.note or status.registered is False)):
                continue
            self._shown[name] = raw
            for col, value in self._cells(node, status, now).items():
                if col in FIXED:
                    continue
                if col in SIZED_COLUMNS and self._widths[col].get(name) != value.cell_len:
                    self._widths[col][name] = value.cell_len
                    resized.add(col)
                self.update_cell(name, col, value)
        for col in resized:
            self._fit(col)

    async def update_load(self) -> None:
        """Show `self.load`'s cells where they changed (after its `add` or `forget`); sorted by a
        load key, the rows are put in the new order (cursor kept on its node) when it changed."""
        if self.sort_key in LOAD_SORTS and [n.name for n in self._ordered()] != list(self._shown):
            self._rebuild()
            return
        for index, name in enumerate(list(self._shown)):
            if index and index % ROWS_PER_TURN == 0:
                await asyncio.sleep(0)
                if name not in self._shown:
                    return  # rebuilt meanwhile, with the current cells
            cells = self.load.cells(self.cluster.node(name))
            if cells == self._load.get(name):
                continue
            self._load[name] = cells
            for col, value in _load_cells(cells).items():
                self.update_cell(name, col, value)

    def _fit(self, col: str) -> None:
        """Set a sized column to its widest cell.  Textual's update_width re-measures the whole
        column for every narrower cell (300 rows: ~1 s with the loop blocked); the widths are
        known here, so the column is set once and only its widest cell is measured."""
        widths = self._widths[col]
        if not widths:
            return
        widest = max(widths, key=lambda name: widths[name])
        self.columns[ColumnKey(col)].content_width = 0
        self.update_cell(widest, col, self.get_cell(widest, col), update_width=True)

    @property
    def selected_node(self) -> Node | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.cluster.node(key) if key else None

    def select_node(self, name: str) -> None:
        """Move the cursor to the row of node `name` (rows are keyed by node name)."""
        if name in self._shown:
            self.move_cursor(row=self.get_row_index(name))


def _load_cells(cells: LoadCells) -> dict[str, Text]:
    load, disk, behind = (Text(inert(c)) for c in cells.as_tuple())
    if cells.disk_level:
        disk.stylize(DISK_STYLE[cells.disk_level])
    return {"load": load, "disk": disk, "behind": behind}
