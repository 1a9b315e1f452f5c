"""`t`: every topic with brokers, queues, permission, message count and put TPS (system topics
behind `s`); Enter for per-queue offsets and subscribed groups; `c`/`u`/`d` create, update and
delete with the equivalent mqadmin lines in the confirmation.  Rows from rocketui.reports.topics."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from rocketui.reports import topics as report
from rocketui.screens.admin_table import AdminTableScreen
from rocketui.screens.bindings import bindings
from rocketui.screens.topic_form import TopicFormModal
from rocketui.services.topic_replicas import TopicSpec
from rocketui.services.topics_admin import TopicsReport
from rocketui.text import inert
from rocketui.usecases.admin import Plan
from rocketui.usecases.operations import Operations
from rocketui.widgets.confirm import ConfirmModal


class TopicsScreen(AdminTableScreen):
    BINDINGS = bindings("topics")
    KEYMAP_SCOPE = "topics"
    COLUMNS = report.COLUMNS
    WHAT = "topics"

    def __init__(self, ops: Operations) -> None:
        super().__init__(ops)
        self.report: TopicsReport | None = None
        self.show_system = False

    def on_mount(self) -> None:
        self.title = "topics"
        self.sub_title = f"namesrv {self.ops.cluster.namesrv_addr()}"

    async def load(self) -> None:
        self.report = await self.ops.admin.topics()

    def rows(self, text_filter: str) -> list[tuple[str, tuple[str | Text, ...]]]:
        if self.report is None:
            return []
        out = report.rows(self.report, system=self.show_system, text_filter=text_filter)
        return [(cells[0], cells) for cells in out]

    def summary(self) -> Text:
        r = self.report
        if r is None:
            return Text("")
        shown = sum(1 for t in r.rows if self.show_system or not t.system)
        text = Text(f"{shown} of {len(r.rows)} topics (s: system topics {'shown' if self.show_system else 'hidden'})")
        text.append(f" · refreshed in {r.seconds:.2f}s", style="dim")
        for e in r.errors[:3]:
            text.append("\n" + inert(e), style="yellow")
        return text

    def action_toggle_system(self) -> None:
        self.show_system = not self.show_system
        self.refill()

    def action_open(self) -> None:
        topic = self.selected_key()
        if topic is not None:
            self.app.push_screen(TopicDetailScreen(self.ops, topic))

    def _refuse(self, what: str) -> bool:
        if self.ops.read_only:
            self.notify(f"read-only mode: {what} is disabled", severity="error")
        return self.ops.read_only

    def action_create(self) -> None:
        if not self._refuse("creating a topic"):
            self.app.push_screen(TopicFormModal(), self._review_create)

    def action_update(self) -> None:
        topic = self.selected_key()
        if topic is None or self._refuse("updating a topic") or self.report is None:
            return
        row = next(r for r in self.report.rows if r.name == topic)
        brokers = max(1, len(row.brokers))
        spec = TopicSpec(
            topic, row.read_queues // brokers, row.write_queues // brokers, max(row.perms or {6}), row.order
        )
        self.app.push_screen(TopicFormModal(spec, update=True), lambda s: self._review_create(s, update=True))

    def action_delete(self) -> None:
        topic = self.selected_key()
        if topic is not None and not self._refuse("deleting a topic"):
            self._review_delete(topic)

    def _review_create(self, spec: TopicSpec | None, update: bool = False) -> None:
        if spec is not None:
            self._plan_then_confirm(spec, update)

    @work(exit_on_error=False, group="topic-change")
    async def _plan_then_confirm(self, spec: TopicSpec, update: bool) -> None:
        try:
            plan = await self.ops.admin.plan_topic(spec, update=update)
        except Exception as exc:
            self.notify(inert(str(exc)), severity="error", markup=False)
            return
        self._confirm(plan, lambda: self._create(spec, update))

    @work(exit_on_error=False, group="topic-change")
    async def _review_delete(self, topic: str) -> None:
        try:
            plan = await self.ops.admin.plan_delete_topic(topic)
        except Exception as exc:
            self.notify(inert(str(exc)), severity="error", markup=False)
            return
        self._confirm(plan, lambda: self._delete(topic))

    def _confirm(self, plan: Plan, then: object) -> None:
        body = f"{plan.action} {plan.target}: the equivalent mqadmin commands\n" + "\n".join(plan.notes)

        def done(ok: bool | None) -> None:
            if ok:
                then()  # type: ignore[operator]

        self.app.push_screen(
            ConfirmModal(plan.action.capitalize(), inert(body, newlines=True), confirm_label="Apply",
                         details=[inert(line) for line in plan.lines]),
            done,
        )  # fmt: skip

    @work(exit_on_error=False, group="topic-change")
    async def _create(self, spec: TopicSpec, update: bool) -> None:
        outcome = await self.ops.admin.create_topic(spec, update=update)
        self.notify(inert(outcome.summary), severity="information" if outcome.ok else "error", markup=False)
        self.action_refresh()

    @work(exit_on_error=False, group="topic-change")
    async def _delete(self, topic: str) -> None:
        outcome = await self.ops.admin.delete_topic(topic)
        self.notify(inert(outcome.summary), severity="information" if outcome.ok else "error", markup=False)
        self.action_refresh()


class TopicDetailScreen(Screen[None]):
    """Enter on a topic: per-queue min/max offsets, last store time, subscribed groups."""

    BINDINGS = bindings("topic")

    def __init__(self, ops: Operations, topic: str) -> None:
        super().__init__()
        self.ops = ops
        self.topic = topic

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(f"reading {self.topic}…", id="admin-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"topic {self.topic}"
        self._load()

    @work(exit_on_error=False)
    async def _load(self) -> None:
        try:
            detail = await self.ops.admin.topic(self.topic)
            self.query_one(Static).update(Text(inert(report.detail_text(detail), newlines=True)))
        except Exception as exc:
            self.query_one(Static).update(Text(inert(f"{type(exc).__name__}: {exc}"), style="red"))

    def action_back(self) -> None:
        self.app.pop_screen()
