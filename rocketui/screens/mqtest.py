"""`p`: the produce/consume test panel.

Run sends numbered messages (sync, async with N in flight, or oneway; optional rate limit) with
live counters, then pulls them back and says what was sent / stored / received / missing /
duplicated.  The second mode runs the distribution's own quickstart Producer or Consumer, as the
seed does by hand, and counts its SEND_OK lines.  Every run goes through the node service, so it
is journaled and refused in read-only mode (a test writes messages, and may create a topic).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Log, ProgressBar, Select, Static

from rocketui.messages import MqTestUpdate
from rocketui.screens.bindings import bindings
from rocketui.services.mq_route import cluster_connector, cluster_namesrvs
from rocketui.services.mqtest import ProduceProgress, ProduceReport, ProduceRun, ProduceSpec, SendMode, TopicCreation
from rocketui.services.mqtest_verify import DEFAULT_GROUP, VerifyReport, verify_run
from rocketui.services.nodes import ActionRecord, NodeError, NodeService
from rocketui.services.quickstart import QuickstartResult, Which, run_quickstart

NO_CREATE = "__none__"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


class MqTestScreen(Screen):
    BINDINGS = bindings("mqtest")
    KEYMAP_SCOPE = "mqtest"

    def __init__(self, service: NodeService) -> None:
        super().__init__()
        self.service = service
        self.cluster = service.cluster
        self.run: ProduceRun | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="mq-body"):
            with VerticalScroll(id="mq-form"):
                for label, ident, value in (
                    ("topic", "topic", "TopicTest"),
                    ("messages", "count", "1000"),
                    ("body bytes", "size", "128"),
                    ("tag", "tag", ""),
                    ("keys (space separated)", "keys", ""),
                    ("async in flight", "inflight", "32"),
                    ("rate msg/s (empty: max)", "rate", ""),
                    ("consumer group", "group", DEFAULT_GROUP),
                ):
                    with Horizontal(classes="mq-row"):
                        yield Label(label, classes="mq-label")
                        yield Input(value, id=f"mq-{ident}", classes="mq-input")
                with Horizontal(classes="mq-row"):
                    yield Label("send mode", classes="mq-label")
                    yield Select(
                        [(m.value, m.value) for m in SendMode],
                        value=SendMode.SYNC.value,
                        allow_blank=False,
                        id="mq-mode",
                        classes="mq-input",
                    )
                with Horizontal(classes="mq-row"):
                    yield Label("create if missing on", classes="mq-label")
                    options = [("don't create", NO_CREATE), (f"cluster {self.cluster.name}", f"c:{self.cluster.name}")]
                    options += [
                        (f"broker {n}", f"b:{n}")
                        for n in sorted({b.broker_name or b.name for b in self.cluster.brokers})
                    ]
                    yield Select(options, value=NO_CREATE, allow_blank=False, id="mq-create", classes="mq-input")
                with Horizontal(id="mq-buttons"):
                    yield Button("Run (F5)", id="mq-run", variant="primary")
                    yield Button("Stop (F8)", id="mq-stop", disabled=True)
                    yield Button("Quickstart Producer (F6)", id="mq-qp")
                    yield Button("Quickstart Consumer (F7)", id="mq-qc")
            with Vertical(id="mq-results"):
                yield ProgressBar(total=1000, show_eta=False, id="mq-progress")
                yield Static("", id="mq-stats", markup=False)
                yield Static("", id="mq-result")
                yield Log(max_lines=5000, id="mq-output")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "produce / consume test"
        self.sub_title = f"namesrv {self.cluster.namesrv_addr()}"
        self.query_one("#mq-output", Log).display = False

    # ------------------------------------------------------------------ the form
    def spec(self) -> ProduceSpec:
        """The form as a ProduceSpec; ValueError says which field is wrong."""

        def num(ident: str, kind: type, label: str) -> float | int | None:
            text = self.query_one(f"#mq-{ident}", Input).value.strip()
            if not text:
                return None
            try:
                return kind(text)
            except ValueError:
                raise ValueError(f"{label}: {text!r} is not a {'whole ' if kind is int else ''}number") from None

        count = num("count", int, "messages")
        size = num("size", int, "body bytes")
        inflight = num("inflight", int, "async in flight")
        rate = num("rate", float, "rate")
        create_choice = str(self.query_one("#mq-create", Select).value)
        create = None
        if create_choice.startswith("c:"):
            create = TopicCreation(cluster=create_choice[2:])
        elif create_choice.startswith("b:"):
            create = TopicCreation(broker=create_choice[2:])
        spec = ProduceSpec(
            topic=self.query_one("#mq-topic", Input).value.strip(),
            count=int(count if count is not None else 0),
            body_size=int(size if size is not None else 0),
            tag=self.query_one("#mq-tag", Input).value.strip() or None,
            keys=tuple(self.query_one("#mq-keys", Input).value.split()),
            mode=SendMode(str(self.query_one("#mq-mode", Select).value)),
            in_flight=int(inflight if inflight is not None else 1),
            rate=rate,
            create=create,
        )
        problems = spec.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return spec

    def _result(self, text: str) -> None:
        self.query_one("#mq-result", Static).update(text)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#mq-run", Button).disabled = busy
        self.query_one("#mq-qp", Button).disabled = busy
        self.query_one("#mq-qc", Button).disabled = busy
        self.query_one("#mq-stop", Button).disabled = not busy

    # ------------------------------------------------------------------ produce + verify
    @on(Button.Pressed, "#mq-run")
    def action_run(self) -> None:
        if self.busy:
            return
        try:
            spec = self.spec()
        except ValueError as exc:
            self._result(f"[red]{exc}[/]")
            return
        if self.service.read_only:
            self.notify("read-only mode: the test writes messages, so it is disabled", severity="error")
            return
        self.query_one("#mq-output", Log).display = False
        bar = self.query_one("#mq-progress", ProgressBar)
        bar.update(total=spec.count, progress=0)
        self._result("")
        self._set_busy(True)
        self._produce(spec, self.query_one("#mq-group", Input).value.strip() or DEFAULT_GROUP)

    @work(group="mqtest", exclusive=True, exit_on_error=False)
    async def _produce(self, spec: ProduceSpec, group: str) -> None:
        connector = cluster_connector(self.cluster, self.service.pool)
        namesrvs = cluster_namesrvs(self.cluster)

        async def body(record: ActionRecord) -> tuple[ProduceReport, VerifyReport | None]:
            record.commands.append(
                f"produce {spec.count} x {spec.body_size} B to {spec.topic} ({spec.mode.value})"
                + (f", create topic on {spec.create.cluster or spec.create.broker}" if spec.create else "")
            )
            self.run = ProduceRun(
                spec, namesrvs, connector=connector, on_progress=lambda p: self.post_message(MqTestUpdate(progress=p))
            )
            report = await self.run.run()
            record.commands += [f"note: {n}" for n in report.notes]
            verified = None
            if report.expected:
                self.post_message(MqTestUpdate(text="consuming the messages back…"))
                verified = await verify_run(
                    report,
                    namesrvs,
                    group=group,
                    connector=connector,
                    on_progress=lambda got, want: self.post_message(MqTestUpdate(text=f"consumed {got} of {want}")),
                )
                if not verified.ok:
                    record.outcome, record.error = (
                        "failed",
                        f"{verified.missing} missing, {verified.duplicated} duplicated",
                    )
            return report, verified

        try:
            report, verified = await self.service.act("produce test", None, body)
        except NodeError as exc:
            self.post_message(MqTestUpdate(text=f"[red]{exc}[/]", done=True))
            return
        except Exception as exc:  # route errors, timeouts: said plainly, the panel stays usable
            self.post_message(MqTestUpdate(text=f"[red]{type(exc).__name__}: {exc}[/]", done=True))
            return
        self.post_message(MqTestUpdate(report=report, verified=verified, done=True))

    @on(Button.Pressed, "#mq-stop")
    def action_stop(self) -> None:
        if self.run is not None:
            self.run.stop()
            self.notify("stopping: in-flight sends are answered first")
        for worker in self.workers:
            if worker.group == "quickstart":
                worker.cancel()

    def on_mq_test_update(self, message: MqTestUpdate) -> None:
        if message.progress is not None:
            self._show_progress(message.progress)
        if message.text:
            self._result(message.text)
        if message.report is not None:
            self._show_progress(message.report.progress)
            self._result(self._summary(message.report, message.verified))
        if message.quickstart is not None:
            q = message.quickstart
            what = (
                f"SEND_OK {q.send_ok}, failed {q.send_failed}"
                if q.which is Which.PRODUCER
                else f"received {q.received}"
            )
            colour = "green" if q.ok else "red"
            self._result(
                f"[{colour}]quickstart {q.which.value}: {what}; {q.lines} lines, "
                f"{q.duration:.1f}s, exit {q.exit_status}[/]\n$ {q.command}"
            )
        if message.line is not None:
            self.query_one("#mq-output", Log).write_line(message.line)
        if message.done:
            self.run = None
            self._set_busy(False)

    def _show_progress(self, p: ProduceProgress) -> None:
        self.query_one("#mq-progress", ProgressBar).update(progress=p.sent + p.failed)
        lat = p.latency
        lines = [
            f"{p.phase.value}: sent {p.sent:,} of {p.requested:,}  ·  failed {p.failed:,}  ·  "
            f"{p.recent_rate or p.rate:,.0f} msg/s  ·  in flight {p.in_flight}"
        ]
        if lat:
            lines.append(f"latency p50 {_ms(lat.p50_ms)}  p99 {_ms(lat.p99_ms)}  max {_ms(lat.max_ms)}")
        if p.errors:
            lines.append("errors: " + ", ".join(f"{k} {n}" for k, n in p.errors.items()))
            if p.last_error:
                lines.append(f"last: {p.last_error}")
        if p.per_broker:
            lines.append("per broker: " + ", ".join(f"{b} {n:,}" for b, n in p.per_broker.items()))
        if p.per_queue:
            lines.append("per queue: " + "  ".join(f"{q} {n}" for q, n in p.per_queue.items()))
        self.query_one("#mq-stats", Static).update("\n".join(lines))

    @staticmethod
    def _summary(report: ProduceReport, verified: VerifyReport | None) -> str:
        p = report.progress
        head = f"run {report.run_id}: sent {p.sent:,} of {p.requested:,} in {p.elapsed:.2f}s ({p.rate:,.0f} msg/s)"
        if report.aborted:
            head += f"\n[red]aborted: {report.aborted}[/]"
        notes = "".join(f"\nnote: {n}" for n in report.notes)
        if verified is None:
            return head + notes
        colour = "green" if verified.ok else "red"
        text = (
            f"{head}\n[{colour}]sent {verified.sent:,} · stored {verified.stored:,} · received "
            f"{verified.received:,} · missing {verified.missing:,} · duplicated {verified.duplicated:,}[/]"
        )
        if verified.first_missing:
            text += "\nfirst missing: " + ", ".join(verified.first_missing[:5])
        if not verified.complete:
            text += "\n[yellow]not every queue could be read to its end before the deadline[/]"
        return text + notes + "".join(f"\nnote: {n}" for n in verified.notes)

    # ------------------------------------------------------------------ quickstart parity mode
    @on(Button.Pressed, "#mq-qp")
    def action_quickstart_producer(self) -> None:
        self._quickstart(Which.PRODUCER)

    @on(Button.Pressed, "#mq-qc")
    def action_quickstart_consumer(self) -> None:
        self._quickstart(Which.CONSUMER)

    def _quickstart(self, which: Which) -> None:
        if self.busy:
            return
        if self.service.read_only and which is Which.PRODUCER:
            self.notify("read-only mode: the quickstart Producer writes messages, so it is disabled", severity="error")
            return
        log = self.query_one("#mq-output", Log)
        log.clear()
        log.display = True
        self._result(
            f"running the quickstart {which.value} (bin/tools.sh org.apache.rocketmq.example.quickstart."
            f"{which.value.capitalize()})…"
        )
        self._set_busy(True)
        self._run_quickstart(which)

    @work(group="quickstart", exclusive=True, exit_on_error=False)
    async def _run_quickstart(self, which: Which) -> None:
        def line(text: str) -> None:
            self.post_message(MqTestUpdate(line=text))

        async def body(record: ActionRecord) -> QuickstartResult:
            # its command reaches the journal through the backend (capture_commands in act)
            result = await run_quickstart(self.cluster, self.service.pool, which, on_line=line)
            if not result.ok:
                record.outcome = "failed"
            return result

        try:
            if which is Which.PRODUCER:
                result = await self.service.act("quickstart producer", None, body)
            else:  # the consumer only reads: no journal entry, allowed read-only
                result = await run_quickstart(self.cluster, self.service.pool, which, on_line=line)
        except Exception as exc:
            self.post_message(MqTestUpdate(text=f"[red]{type(exc).__name__}: {exc}[/]", done=True))
            return
        self.post_message(MqTestUpdate(quickstart=result, done=True))

    def action_back(self) -> None:
        if self.busy:
            self.action_stop()
        self.app.pop_screen()
