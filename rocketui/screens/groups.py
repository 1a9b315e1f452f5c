"""`g`: every consumer group with online clients, consume TPS, lag (with a sparkline of the last
refreshes, so a growing backlog shows at a glance) and the oldest unconsumed message's age;
Enter for per-topic per-queue lag, clients and last consume time (worst first) and `z` to reset
offsets with a preview.  Rows from rocketui.reports.groups."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Static

from rocketui.reports import admin_misc
from rocketui.reports import groups as report
from rocketui.reports.admin_format import sparkline
from rocketui.screens.admin_table import AdminTableScreen
from rocketui.screens.bindings import bindings
from rocketui.services.groups_admin import GroupsReport
from rocketui.services.offsets_reset import ResetPlan, ResetTarget, parse_target
from rocketui.text import inert
from rocketui.usecases.operations import Operations
from rocketui.widgets.confirm import ConfirmModal

HISTORY = 30  # refreshes kept per group for the lag sparkline


class GroupsScreen(AdminTableScreen):
    BINDINGS = bindings("groups")
    KEYMAP_SCOPE = "groups"
    COLUMNS = (*report.COLUMNS[:6], "lag trend", *report.COLUMNS[6:])
    WHAT = "consumer groups"

    def __init__(self, ops: Operations) -> None:
        super().__init__(ops)
        self.report: GroupsReport | None = None
        self.history: dict[str, deque[int]] = {}

    def on_mount(self) -> None:
        self.title = "consumer groups"
        self.sub_title = f"namesrv {self.ops.cluster.namesrv_addr()}"

    async def load(self) -> None:
        self.report = await self.ops.admin.groups()
        for r in self.report.rows:
            self.history.setdefault(r.name, deque(maxlen=HISTORY)).append(r.lag)

    def rows(self, text_filter: str) -> list[tuple[str, tuple[str | Text, ...]]]:
        if self.report is None:
            return []
        out: list[tuple[str, tuple[str | Text, ...]]] = []
        for r in self.report.rows:
            if text_filter.lower() not in r.name.lower():
                continue
            cells = report.row(r)
            lags = list(self.history.get(r.name, []))
            growing = len(lags) > 1 and lags[-1] > lags[0]
            trend = Text(sparkline(lags), style="red" if growing else "green")
            out.append((r.name, (*cells[:6], trend, *cells[6:])))
        return out

    def summary(self) -> Text:
        r = self.report
        if r is None:
            return Text("")
        text = Text(f"{len(r.rows)} groups, total lag {sum(g.lag for g in r.rows)}")
        text.append(f" · refreshed in {r.seconds:.2f}s", style="dim")
        for e in r.errors[:3]:
            text.append("\n" + inert(e), style="yellow")
        return text

    def action_open(self) -> None:
        group = self.selected_key()
        if group is not None:
            self.app.push_screen(GroupDetailScreen(self.ops, group))


class GroupDetailScreen(Screen[None]):
    BINDINGS = bindings("detail")
    KEYMAP_SCOPE = "detail"

    def __init__(self, ops: Operations, group: str) -> None:
        super().__init__()
        self.ops = ops
        self.group = group

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(f"reading {self.group}…", id="group-head", markup=False)
        yield DataTable(id="group-clients", cursor_type="row")
        yield DataTable(id="group-queues", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"group {self.group}"
        self.query_one("#group-clients", DataTable).add_columns(*report.CLIENT_COLUMNS)
        self.query_one("#group-queues", DataTable).add_columns(*report.QUEUE_COLUMNS)
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load()

    @work(exclusive=True, exit_on_error=False, group="group-detail")
    async def _load(self) -> None:
        head = self.query_one("#group-head", Static)
        try:
            detail = await self.ops.admin.group(self.group)
        except Exception as exc:
            head.update(Text(inert(f"{type(exc).__name__}: {exc}"), style="red"))
            return
        row = detail.rows[0]
        head.update(Text(inert(report.detail_text(detail).splitlines()[0])))
        clients = self.query_one("#group-clients", DataTable)
        clients.clear()
        for cells in report.client_rows(row):
            clients.add_row(*(Text(inert(c)) for c in cells))
        queues = self.query_one("#group-queues", DataTable)
        queues.clear()
        for cells in report.queue_rows(row):
            queues.add_row(*(Text(inert(c)) for c in cells))
        queues.focus()

    def action_reset(self) -> None:
        if self.ops.read_only:
            self.notify("read-only mode: resetting offsets is disabled", severity="error")
            return
        self.app.push_screen(ResetTargetModal(), self._preview)

    def _preview(self, target: ResetTarget | None) -> None:
        if target is not None:
            self._plan(target)

    @work(exit_on_error=False, group="reset")
    async def _plan(self, target: ResetTarget) -> None:
        try:
            plan = await self.ops.admin.reset_preview(self.group, target)
        except Exception as exc:
            self.notify(inert(str(exc)), severity="error", markup=False)
            return
        lines = self.ops.admin.plan_reset(plan).lines
        body = inert(admin_misc.reset_text(plan), newlines=True)

        def done(ok: bool | None) -> None:
            if ok:
                self._apply(plan)

        self.app.push_screen(
            ConfirmModal("Reset offsets", body, confirm_label="Reset", details=[inert(x) for x in lines]), done
        )

    @work(exit_on_error=False, group="reset")
    async def _apply(self, plan: ResetPlan) -> None:
        outcome = await self.ops.admin.reset_offsets(plan)
        self.notify(inert(outcome.summary), severity="information" if outcome.ok else "error", markup=False)
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()


class ResetTargetModal(ModalScreen[ResetTarget | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="reset-form"):
            yield Static("Reset offsets to: earliest, latest, 'YYYY-MM-DD HH:MM:SS', epoch ms or -30m", markup=False)
            yield Input("earliest", id="reset-to")
            yield Static("", id="reset-error", markup=False)
            yield Button("Preview", id="ok", variant="warning")

    def on_input_submitted(self) -> None:
        self._done()

    def on_button_pressed(self) -> None:
        self._done()

    def _done(self) -> None:
        try:
            self.dismiss(parse_target(self.query_one(Input).value))
        except ValueError as exc:
            self.query_one("#reset-error", Static).update(str(exc))

    def action_cancel(self) -> None:
        self.dismiss(None)
