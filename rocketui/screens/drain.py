"""`D` on a master: drain it (brokerPermission=4, the broker re-registers read-only at every
namesrv; producers move within their route refresh) after a confirmation showing the mqadmin
line, then watch its put TPS fall to zero; `u` makes it writable again."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from rocketui.reports.admin_format import sparkline
from rocketui.screens.bindings import bindings
from rocketui.text import inert
from rocketui.usecases.admin import Plan
from rocketui.usecases.operations import Operations
from rocketui.widgets.confirm import ConfirmModal


class DrainScreen(Screen[None]):
    BINDINGS = bindings("drain")
    KEYMAP_SCOPE = "drain"

    def __init__(self, ops: Operations, broker_name: str) -> None:
        super().__init__()
        self.ops = ops
        self.broker = broker_name
        self.samples: list[float] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="drain-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"drain {self.broker}"
        self._ask(undo=False)

    def status(self, text: str, style: str = "") -> None:
        self.query_one("#drain-status", Static).update(Text(inert(text, newlines=True), style=style))

    @work(exit_on_error=False, group="drain")
    async def _ask(self, undo: bool) -> None:
        try:
            plan = await self.ops.admin.plan_drain(self.broker, undo=undo)
        except Exception as exc:
            self.status(f"{type(exc).__name__}: {exc}", "red")
            return
        self._confirm(plan, undo)

    def _confirm(self, plan: Plan, undo: bool) -> None:
        def done(ok: bool | None) -> None:
            if ok:
                self._run(undo)
            elif not undo:
                self.status("not drained (cancelled)")

        what = "Make writable again" if undo else "Drain (make read-only)"
        self.app.push_screen(
            ConfirmModal(f"{what}: {self.broker}", inert("\n".join(plan.notes)), confirm_label="Apply",
                         details=[inert(line) for line in plan.lines]),
            done,
        )  # fmt: skip

    @work(exit_on_error=False, group="drain")
    async def _run(self, undo: bool) -> None:
        self.samples = []

        def progress(seconds: float, tps: float) -> None:
            self.samples.append(tps)
            self.status(f"{self.broker}: put TPS {tps:.1f} after {seconds:.0f}s\n{sparkline(self.samples, 40)}")

        self.status("undraining…" if undo else "draining: waiting for producers to move (≤30 s)…")
        outcome = await self.ops.admin.drain(self.broker, undo=undo, progress=progress)
        tail = f"\n{sparkline(self.samples, 40)}" if self.samples else ""
        self.status(
            outcome.summary + tail + ("" if undo else "\nu: make it writable again"), "" if outcome.ok else "red"
        )

    def action_undrain(self) -> None:
        if self.ops.read_only:
            self.notify("read-only mode: undrain is disabled", severity="error")
            return
        self._ask(undo=True)

    def action_back(self) -> None:
        self.app.pop_screen()
