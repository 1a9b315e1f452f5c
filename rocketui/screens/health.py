"""`h`: cluster health from the namesrvs — clusters → broker names → broker ids with address,
version, role, in/out TPS and disk ratio, compared with the cluster file (missing, unexpected,
wrong role, registered at only some namesrvs, master down …).  Refreshes every 5 s.  The rows are
the same as `rocketui CLUSTER health` prints (rocketui.reports.health)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static

from rocketui.messages import HealthUpdated
from rocketui.reports import health as health_report
from rocketui.screens.bindings import bindings
from rocketui.services.health import HealthReport
from rocketui.text import inert
from rocketui.usecases.operations import Operations

REFRESH_SECONDS = 5.0
MARK_STYLE = {"ok": "green", "warning": "yellow", "problem": "bold red", "": ""}


class HealthScreen(Screen[None]):
    BINDINGS = bindings("health")
    KEYMAP_SCOPE = "health"

    def __init__(self, ops: Operations) -> None:
        super().__init__()
        self.ops = ops
        self.cluster = ops.cluster
        self.report: HealthReport | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="health-table", cursor_type="row", zebra_stripes=True)
        yield Static("asking the namesrvs…", id="health-summary", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "cluster health"
        self.sub_title = f"namesrv {self.cluster.namesrv_addr()}"
        self.query_one(DataTable).add_columns(*health_report.COLUMNS)
        self.action_refresh()

    def action_refresh(self) -> None:
        self._collect()

    @work(group="health", exclusive=True, exit_on_error=False)
    async def _collect(self) -> None:
        try:
            report = await self.ops.mq.health()
            self.post_message(HealthUpdated(report))
        except Exception as exc:  # shown, and the next refresh tries again
            self.post_message(HealthUpdated(None, f"{type(exc).__name__}: {exc}"))
        finally:
            if self._timer is not None:
                self._timer.stop()
            if self.is_attached:
                self._timer = self.set_timer(REFRESH_SECONDS, self.action_refresh)

    def on_health_updated(self, message: HealthUpdated) -> None:
        summary = self.query_one("#health-summary", Static)
        if message.report is None:
            summary.update(Text.assemble(("health check failed: ", "red"), inert(message.error)))
            return
        self.report = report = message.report
        table = self.query_one(DataTable)
        table.clear()
        for b, (cells, mark) in zip(report.brokers, health_report.rows(report), strict=True):
            shown = [Text(inert(c)) for c in cells]
            shown[-1].stylize(MARK_STYLE[mark])
            table.add_row(*shown, key=f"{b.cluster}/{b.broker_name}/{b.broker_id}/{b.addr}")
        text = Text()
        for line, mark in health_report.summary_lines(report):
            text.append(inert(line) + "\n", style=MARK_STYLE[mark])
        text.append(f"refreshed every {REFRESH_SECONDS:.0f}s", style="dim")
        summary.update(text)

    def action_back(self) -> None:
        self.app.pop_screen()
