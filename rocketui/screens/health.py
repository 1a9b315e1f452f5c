"""`h`: cluster health from the namesrvs — clusters → broker names → broker ids with address,
version, role, in/out TPS and disk ratio, compared with the cluster file (missing, unexpected,
wrong role, registered at only some namesrvs, master down …).  Refreshes every 5 s."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static

from rocketui.messages import HealthUpdated
from rocketui.screens.bindings import bindings
from rocketui.services.health import HealthReport, Level, collect_health
from rocketui.services.mq_route import cluster_connector
from rocketui.services.nodes import NodeService

REFRESH_SECONDS = 5.0
COLUMNS = (
    "cluster",
    "broker",
    "id",
    "address",
    "node",
    "version",
    "role",
    "in TPS",
    "out TPS",
    "disk",
    "namesrvs",
    "problems",
)


def _num(value: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if value is None else fmt.format(value)


class HealthScreen(Screen):
    BINDINGS = bindings("health")
    KEYMAP_SCOPE = "health"

    def __init__(self, service: NodeService) -> None:
        super().__init__()
        self.service = service
        self.cluster = service.cluster
        self.report: HealthReport | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="health-table", cursor_type="row", zebra_stripes=True)
        yield Static("asking the namesrvs…", id="health-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "cluster health"
        self.sub_title = f"namesrv {self.cluster.namesrv_addr()}"
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.action_refresh()

    def action_refresh(self) -> None:
        self._collect()

    @work(group="health", exclusive=True, exit_on_error=False)
    async def _collect(self) -> None:
        try:
            report = await collect_health(self.cluster, connector=cluster_connector(self.cluster, self.service.pool))
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
            summary.update(f"[red]health check failed:[/] {message.error}")
            return
        self.report = report = message.report
        table = self.query_one(DataTable)
        table.clear()
        total = len(report.namesrvs)
        for b in report.brokers:
            rt = b.runtime
            problems = "; ".join(f"{p.kind.value}: {p.reason}" for p in b.problems)
            worst = "red" if not b.ok else ("yellow" if b.problems else "green")
            table.add_row(
                b.cluster,
                b.broker_name,
                str(b.broker_id),
                b.addr,
                b.node or "(not in file)",
                (rt.version if rt and rt.version else "-"),
                (rt.role if rt and rt.role else ("MASTER" if b.broker_id == 0 else "SLAVE")),
                _num(rt.in_tps if rt else None),
                _num(rt.out_tps if rt else None),
                _num(rt.disk_ratio * 100 if rt and rt.disk_ratio is not None else None, "{:.0f}%"),
                f"{len(b.registered_at)}/{total}",
                Text(problems or (b.runtime_error or "ok"), style=worst),
                key=f"{b.cluster}/{b.broker_name}/{b.broker_id}/{b.addr}",
            )
        lines = []
        for addr, error in report.namesrvs.items():
            lines.append(f"namesrv {addr}: " + ("[green]answering[/]" if error is None else f"[red]{error}[/]"))
        for where, p in report.all_problems():
            if where == "namesrv":
                colour = "red" if p.level is Level.PROBLEM else "yellow"
                lines.append(f"[{colour}]{p.kind.value}: {p.reason}[/]")
        state = "[green]healthy[/]" if report.ok else f"[red]{len(report.all_problems())} problem(s)[/]"
        lines.insert(0, f"{state} · {len(report.brokers)} broker(s) · refreshed every {REFRESH_SECONDS:.0f}s")
        summary.update("\n".join(lines))

    def action_back(self) -> None:
        self.app.pop_screen()
