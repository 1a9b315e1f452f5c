"""The main screen: every node of the cluster with its live state, and the lifecycle keys."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from rocketui.messages import (
    ActionFinished,
    ActionProgress,
    LogRatesUpdated,
    PlanReady,
    StatsUpdated,
    StatusUpdated,
)
from rocketui.model.cluster import Node, NodeKind
from rocketui.reports.events import opened, outcome_event, status_events
from rocketui.reports.log_rates import LogRate, log_rate, rate_event
from rocketui.reports.node_order import SORTS
from rocketui.screens.bindings import bindings
from rocketui.services.node_status import NodeState
from rocketui.text import inert
from rocketui.usecases.gate import Outcome
from rocketui.usecases.lifecycle import Abort
from rocketui.usecases.operations import Operations
from rocketui.widgets.confirm import ConfirmModal, on_yes
from rocketui.widgets.event_pane import EventPane
from rocketui.widgets.node_table import NodeTable

STATS_SECONDS = 5.0  # the broker's own TPS figures are 10 s averages
LOG_RATE_SECONDS = 5.0  # how often each running node's main log is looked at for WARN/ERROR

VERBS = {"start": "Start", "stop": "Stop", "restart": "Restart", "start_all": "Start all", "stop_all": "Stop all"}


class MainScreen(Screen[None]):
    BINDINGS = bindings("main")
    KEYMAP_SCOPE = "main"

    def __init__(self, ops: Operations, *, poll_interval: float = 1.0) -> None:
        super().__init__()
        self.ops = ops
        self.cluster = ops.cluster
        self.poll_interval = poll_interval
        self._poll_timer: Timer | None = None
        self._stats_timer: Timer | None = None
        self._log_timer: Timer | None = None
        self.log_rates: dict[str, LogRate] = {}  # node -> its main log's last look

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(self._banner(), id="cluster-banner")
        yield Input(placeholder="filter nodes: name, host, role, broker group, state (Esc clears)", id="node-filter")
        yield NodeTable(self.cluster, id="nodes")
        yield Static("", id="node-view", markup=False)
        yield Static("", id="node-detail", markup=False)
        yield EventPane(id="events")
        yield Static("", id="status-line", markup=False)
        yield Footer()

    def _banner(self) -> Text:
        c = self.cluster
        banner = Text.assemble(
            "cluster ",
            (c.name, "bold"),
            f"  ·  {inert(c.source)}  ·  RocketMQ {c.rocketmq.version}  ·  namesrv {c.namesrv_addr() or '-'}",
        )
        if self.ops.read_only:
            banner.append("  READ-ONLY", style="bold red")
        for warning in c.warnings:
            banner.append("\nwarning: ", style="yellow")
            banner.append(inert(warning))
        return banner

    def on_mount(self) -> None:
        self.query_one("#node-filter", Input).display = False
        self._batch_abort: Abort | None = None
        self.query_one(NodeTable).focus()
        self._show_view()
        self.query_one(EventPane).add([opened(self.cluster, time.time())])
        # First frame first: the first poll (process scan, namesrv queries) starts after it.
        self.call_after_refresh(self.poll)
        if self.poll_interval > 0 and self.cluster.brokers:
            self._stats_timer = self.set_timer(1.0, self._stats_worker)
        if self.poll_interval > 0:
            self._log_timer = self.set_timer(LOG_RATE_SECONDS, self.look_at_logs)

    # ------------------------------------------------------------ polling
    def poll(self) -> None:
        """Poll now (replacing a poll in flight)."""
        self._poll_worker()

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def _poll_worker(self) -> None:
        """One status poll; the next is armed only after this one ended, and only one timer
        exists at a time, so polls never pile up (a replaced worker re-arms the same slot)."""
        try:
            statuses = await self.ops.status_all()
            self.post_message(StatusUpdated(statuses))
        except Exception as exc:  # a host error must never stop the polling
            self.set_status(f"status poll failed: {exc}", "red")
        finally:
            if self._poll_timer is not None:
                self._poll_timer.stop()
                self._poll_timer = None
            if self.poll_interval > 0 and self.is_attached:
                self._poll_timer = self.set_timer(self.poll_interval, self.poll)

    @work(exclusive=True, group="stats", exit_on_error=False)
    async def _stats_worker(self) -> None:
        """Broker runtime figures for the load columns, every STATS_SECONDS."""
        try:
            self.post_message(StatsUpdated(await self.ops.admin.broker_stats()))
        except Exception:  # no namesrv answers (cluster stopped): blank cells, the table says why
            self.post_message(StatsUpdated(None))
        finally:
            if self.is_attached:
                self._stats_timer = self.set_timer(STATS_SECONDS, self._stats_worker)

    def look_at_logs(self) -> Worker[None]:
        """Look at the running nodes' logs now (the timer's callback; tests await the worker)."""
        return self._log_rates_worker()

    @work(exclusive=True, group="log-rates", exit_on_error=False)
    async def _log_rates_worker(self) -> None:
        """New WARN/ERROR entries in each running node's main log since the last look: only the
        bytes appended, at most 256 KiB per node (the use case says when it capped); nodes not
        running, or on a host that does not answer or has not answered yet, are skipped.  The
        next look is armed when this one ended."""
        try:
            running = [
                (self.cluster.node(name), status.pid)
                for name, status in self.query_one(NodeTable).statuses.items()
                if status.state is NodeState.RUNNING
                and status.pid
                and not status.late
                and not status.host_state.startswith("unreachable")
            ]
            now = time.time()
            rates = []
            for appended in await self.ops.logs.appended(running, now):
                rates.append(log_rate(appended))
                await asyncio.sleep(0)  # a full 256 KiB is a few thousand lines to classify
            self.post_message(LogRatesUpdated(rates, now))
        except Exception as exc:  # shown; the next look tries again
            self.set_status(f"reading the nodes' logs failed: {exc}", "red")
        finally:
            if self.poll_interval > 0 and self.is_attached:
                self._log_timer = self.set_timer(LOG_RATE_SECONDS, self.look_at_logs)

    def on_log_rates_updated(self, message: LogRatesUpdated) -> None:
        self.log_rates = {rate.node: rate for rate in message.rates}
        events = [rate_event(rate, message.at) for rate in message.rates]
        self.query_one(EventPane).add([e for e in events if e is not None])
        self._show_detail()

    async def on_stats_updated(self, message: StatsUpdated) -> None:
        table = self.query_one(NodeTable)
        if message.report is None:
            table.load.forget()
        else:
            self.query_one(EventPane).add(table.load.add(message.report))
        await table.update_load()

    # ------------------------------------------------------------ filter and sort
    def action_filter(self) -> None:
        box = self.query_one("#node-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#node-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(NodeTable).set_view(needle=event.value.strip())
        self._show_view()

    @on(Input.Submitted, "#node-filter")
    def _filter_done(self) -> None:
        self.query_one(NodeTable).focus()

    def action_sort(self) -> None:
        table = self.query_one(NodeTable)
        table.set_view(sort=SORTS[(SORTS.index(table.sort_key) + 1) % len(SORTS)])
        self._show_view()

    def _show_view(self) -> None:
        table = self.query_one(NodeTable)
        total, shown = len(self.cluster.nodes), len(table.shown_names)
        parts = [f"{shown} of {total} nodes" if shown != total else f"{total} nodes", f"sorted by {table.sort_key} (o)"]
        if table.needle:
            parts.append(f"filter '{table.needle}' (/; Esc clears)")
        self.query_one("#node-view", Static).update(inert("  ·  ".join(parts)))

    def action_abort(self) -> None:
        """Esc: stop issuing more starts/stops of a running start/stop all; else clear the filter."""
        if self._batch_abort is not None and not self._batch_abort.is_set:
            self._batch_abort.set()
            self.set_status("no more nodes will be started/stopped; the ones under way finish", "yellow")
            return
        box = self.query_one("#node-filter", Input)
        if box.display or box.value:
            box.value = ""
            box.display = False
            self.query_one(NodeTable).set_view(needle="")
            self.query_one(NodeTable).focus()
            self._show_view()

    async def on_status_updated(self, message: StatusUpdated) -> None:
        table = self.query_one(NodeTable)
        previous = dict(table.statuses)
        before = {name: st.state for name, st in previous.items()}
        await table.update_statuses(message.statuses)
        self.query_one(EventPane).add(status_events(self.cluster, previous, message.statuses, time.time()))
        for name, status in message.statuses.items():
            if status.state is NodeState.CRASHED and before.get(name) not in (NodeState.CRASHED, None):
                # never leave "running" on the status line for a node that died
                self.set_status(f"{name}: crashed: {status.message} (a acknowledges)", "bold red")
                self.notify(
                    inert(f"{name}: {status.message}"), title="crashed", severity="error", timeout=15, markup=False
                )
        self._show_detail()

    def on_data_table_row_highlighted(self, event: NodeTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """Where the highlighted node keeps its files, and why it is in its state."""
        table = self.query_one(NodeTable)
        node = table.selected_node
        if node is None:
            return
        c = self.cluster
        parts = [f"{node.name}: run dir {c.run_dir(node)}", f"logs {c.log_dir(node)}"]
        if node.config:
            parts.append(f"config {node.config}")
        status = table.statuses.get(node.name)
        if status and status.version:
            parts.append(f"RocketMQ {status.version}")
        rate = self.log_rates.get(node.name)
        if rate is not None and status is not None and status.state is NodeState.RUNNING:
            parts.append(f"{rate.file}: {rate.text()}")
        text = "  ·  ".join(parts)
        if status and status.message:
            text += f"\n{status.state.value}: {status.message}"
        if status and status.crash:
            text += "".join(f"\n  {line}" for line in status.crash.lines[:-1])
            text += "\n(a acknowledges the crash; s starts it again)"
        if status and status.host_state.startswith("unreachable"):
            text += f"\nhost {node.host}: {status.host_state}"
        self.query_one("#node-detail", Static).update(inert(text, newlines=True))

    def set_status(self, text: str, style: str = "") -> None:
        """The status line; `text` may come from a host, so it is shown inert, never as markup."""
        self.query_one("#status-line", Static).update(Text(inert(text), style=style))

    def on_action_progress(self, message: ActionProgress) -> None:
        self.query_one("#status-line", Static).update(Text.assemble((message.node, "bold"), ": ", inert(message.text)))

    def on_action_finished(self, message: ActionFinished) -> None:
        o = message.outcome
        who = f"{o.target}: " if o.target else ""
        text = inert(f"{who}{o.summary}")
        title = o.action if o.ok else f"{o.action} {'refused' if o.refused else 'failed'}"
        self.query_one(EventPane).add([outcome_event(o, time.time())])
        self.set_status(text, "green" if o.ok else "red")
        self.notify(
            text, title=title, severity="information" if o.ok else "error", timeout=5 if o.ok else 10, markup=False
        )
        self.poll()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that died unexpectedly is shown, never swallowed."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.set_status(f"{event.worker.name} failed: {error}", "red")
            self.notify(
                inert(f"{type(error).__name__}: {error}"),
                title=f"{event.worker.name} failed",
                severity="error",
                markup=False,
            )

    # ------------------------------------------------------------ actions
    def _selected(self) -> Node | None:
        node = self.query_one(NodeTable).selected_node
        if node is None:
            self.notify("no node selected", severity="warning")
        return node

    def _refuse_read_only(self, what: str) -> bool:
        if self.ops.read_only:
            self.notify(f"read-only mode: {what} is disabled", severity="error")
            return True
        return False

    def action_refresh(self) -> None:
        self.poll()

    def action_acknowledge(self) -> None:
        node = self._selected()
        if node is not None and not self._refuse_read_only("acknowledge"):
            self._acknowledge(node)

    @work(group="actions", exit_on_error=False)
    async def _acknowledge(self, node: Node) -> None:
        self.post_message(ActionFinished(await self.ops.lifecycle.acknowledge(node)))

    def action_logs(self) -> None:
        node = self._selected()
        if node is not None:
            self._open_logs([node])

    def action_merged_logs(self) -> None:
        """Every node's main log interleaved by time (the highlighted node alone has `l`)."""
        self._open_logs(list(self.cluster.nodes))

    def action_edit_config(self) -> None:
        from rocketui.screens.broker_config import BrokerConfigScreen

        node = self._selected()
        if node is None:
            return
        if node.kind is not NodeKind.BROKER:
            self.notify(
                f"{node.name} is a namesrv: its properties come from the cluster file "
                f"({self.cluster.source}, node '{node.name}'); m edits its JVM memory",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(BrokerConfigScreen(self.ops, node, node_running=self._node_is_running(node)))

    def action_edit_memory(self) -> None:
        from rocketui.screens.jvm_form import JvmMemoryScreen

        node = self._selected()
        if node is not None:
            self.app.push_screen(JvmMemoryScreen(self.ops, node, node_running=self._node_is_running(node)))

    def _node_is_running(self, node: Node) -> bool:
        status = self.query_one(NodeTable).statuses.get(node.name)
        return status is not None and status.state is NodeState.RUNNING

    def _open_logs(self, nodes: list[Node]) -> None:
        from rocketui.screens.logs import LogsScreen  # lazy: keeps the first frame fast

        self.app.push_screen(LogsScreen(self.ops.logs, nodes))

    def action_start(self) -> None:
        node = self._selected()
        if node and not self._refuse_read_only("start"):
            self._plan_then_confirm("start", [node])

    def action_stop(self) -> None:
        node = self._selected()
        if node and not self._refuse_read_only("stop"):
            self._plan_then_confirm("stop", [node])

    def action_restart(self) -> None:
        node = self._selected()
        if node and not self._refuse_read_only("restart"):
            self._plan_then_confirm("restart", [node])

    def action_start_all(self) -> None:
        if not self._refuse_read_only("start all"):
            self._plan_then_confirm("start_all", self.ops.lifecycle.order("start"))

    def action_stop_all(self) -> None:
        if not self._refuse_read_only("stop all"):
            self._plan_then_confirm("stop_all", self.ops.lifecycle.order("stop"))

    @work(group="plan", exclusive=True, exit_on_error=False)
    async def _plan_then_confirm(self, action: str, nodes: list[Node]) -> None:
        """Work out the exact commands first (paths expanded on each host, pids looked up), then
        ask with them on screen: what the operator confirms is what will run."""
        step = {"start_all": "start", "stop_all": "stop"}.get(action, action)
        lines: list[str] = []
        for node, plan in await self.ops.lifecycle.plan(step, nodes):
            nothing = f"nothing to do ({'not running' if step == 'stop' else 'already running'})"
            lines += [f"[{node.name}] {line}" for line in plan] or [f"[{node.name}] {nothing}"]
        self.post_message(PlanReady(action, nodes, lines))

    def on_plan_ready(self, message: PlanReady) -> None:
        action, nodes = message.action, message.nodes
        one = nodes[0] if len(nodes) == 1 and not action.endswith("_all") else None
        verb = VERBS[action]
        if one is not None:
            body = f"{verb} {one.kind.value} '{one.name}' on host '{one.host}'? These commands will run:"
            if action in ("stop", "restart"):
                body += (
                    "\n(SIGTERM to this node's JVM only; other nodes on the host keep running. SIGKILL only "
                    "if it has not exited after 30 s.)"
                )
        else:
            order = "brokers first, then namesrvs" if action == "stop_all" else "namesrvs first, then brokers"
            body = f"{verb}: every node of cluster '{self.cluster.name}' ({order}). These commands will run:"
        self.app.push_screen(
            ConfirmModal(verb, body, confirm_label=verb, details=[inert(line) for line in message.lines]),
            on_yes(lambda: self.run_node_action(action, one)),
        )

    def select_and_run(self, name: str, action: str) -> None:
        """Put the cursor on node `name` and run a node action (from the command palette)."""
        self.query_one(NodeTable).select_node(name)
        self.run_worker(self.app.run_action(action, self), group="palette")

    def action_mqtest(self) -> None:
        from rocketui.screens.mqtest import MqTestScreen

        self.app.push_screen(MqTestScreen(self.ops))

    def action_health(self) -> None:
        from rocketui.screens.health import HealthScreen

        self.app.push_screen(HealthScreen(self.ops))

    def action_topics(self) -> None:
        from rocketui.screens.topics import TopicsScreen

        self.app.push_screen(TopicsScreen(self.ops))

    def action_groups(self) -> None:
        from rocketui.screens.groups import GroupsScreen

        self.app.push_screen(GroupsScreen(self.ops))

    def action_messages(self) -> None:
        from rocketui.screens.messages_lookup import MessageLookupScreen

        self.app.push_screen(MessageLookupScreen(self.ops))

    def action_drain(self) -> None:
        from rocketui.screens.drain import DrainScreen

        node = self._selected()
        if node is None or self._refuse_read_only("drain"):
            return
        if node.kind is not NodeKind.BROKER or node.broker_id != 0:
            self.notify(f"{node.name} is not a master: D drains a master broker", severity="warning", markup=False)
            return
        self.app.push_screen(DrainScreen(self.ops, node.broker_name or node.name))

    def action_journal(self) -> None:
        from rocketui.screens.journal import JournalScreen

        self.app.push_screen(JournalScreen(self.ops.journal, self.cluster.source))

    def action_copy_address(self) -> None:
        node = self._selected()
        if node is not None:
            address = self.cluster.endpoint(node)
            self.app.copy_to_clipboard(address)  # OSC 52: works through SSH and tmux
            self.notify(f"copied {address}", title="clipboard", markup=False)

    def action_rolling_restart(self) -> None:
        if self._refuse_read_only("rolling restart"):
            return
        order = self.ops.lifecycle.rolling_order()
        if not order:
            self.notify("no brokers to restart", severity="warning")
            return
        steps = "\n".join(f"  {i}. {n.name} ({n.role.value if n.role else ''})" for i, n in enumerate(order, 1))
        self.confirm(
            "Rolling restart",
            "Restart the brokers one at a time, slaves before their master; each "
            "must be registered at every namesrv again before the next one stops. Each master is "
            "drained first (no new writes; producers move to the other masters within their route "
            "refresh, up to ~30 s), and a SYNC_MASTER also while its slave restarts, so no send "
            "fails; a drained broker takes writes again after its restart. The first failure "
            f"stops the run.\n{steps}",
            lambda: self.run_node_action("rolling_restart", None),
            label="Restart",
        )

    def confirm(self, title: str, body: str, then: Callable[[], Any], *, label: str) -> None:
        def done(ok: bool | None) -> None:
            if ok:
                then()

        self.app.push_screen(ConfirmModal(title, body, confirm_label=label), done)

    @work(group="actions", exit_on_error=False)
    async def run_node_action(self, action: str, node: Node | None) -> None:
        def progress(name: str, text: str) -> None:
            self.post_message(ActionProgress(name, text))

        def counted(done: int, total: int, failed: list[str]) -> None:
            text = f"{done} of {total} done" + (f"; failed: {', '.join(failed)}" if failed else "") + " (Esc: no more)"
            self.post_message(ActionProgress(action.replace("_", " "), text))

        lifecycle = self.ops.lifecycle
        outcome: Outcome[Any]
        if action in ("start_all", "stop_all"):
            self._batch_abort = abort = Abort()
            try:
                batch = lifecycle.start_all if action == "start_all" else lifecycle.stop_all
                outcome = await batch(progress=progress, on_count=counted, abort=abort)
            finally:
                self._batch_abort = None
        elif action == "rolling_restart":
            outcome = await lifecycle.rolling_restart(progress=progress)
        else:
            assert node is not None
            one = {"start": lifecycle.start, "stop": lifecycle.stop, "restart": lifecycle.restart}[action]
            outcome = await one(node, progress=progress)
        self.post_message(ActionFinished(outcome))
        self.poll()
