"""`p`: the produce/consume test panel.

Run sends numbered messages (sync, async with N in flight, or oneway; optional rate limit) with
live counters, then pulls them back and says what was sent / stored / received / missing /
duplicated.  The second mode runs the distribution's own quickstart Producer or Consumer, as the
seed does by hand, and counts its SEND_OK lines.  Every run goes through the mq use case, so it
is journaled and refused in read-only mode (a test writes messages, and may create a topic).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Log, ProgressBar, Select, Static

from rocketui.messages import MqTestUpdate
from rocketui.reports import produce as produce_report
from rocketui.screens.bindings import bindings
from rocketui.services.grpc_produce import GrpcConsumeReport
from rocketui.services.mqtest import ProduceProgress, ProduceReport, ProduceRun, ProduceSpec, SendMode, TopicCreation
from rocketui.services.mqtest_verify import DEFAULT_GROUP, VerifyReport
from rocketui.services.quickstart import Which
from rocketui.text import inert
from rocketui.usecases.operations import Operations

NO_CREATE = "__none__"
DIRECT = "__direct__"  # through the namesrvs and brokers (no proxy)


class MqTestScreen(Screen):
    BINDINGS = bindings("mqtest")
    KEYMAP_SCOPE = "mqtest"

    def __init__(self, ops: Operations) -> None:
        super().__init__()
        self.ops = ops
        self.cluster = ops.cluster
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
                with Horizontal(classes="mq-row"):
                    yield Label("through", classes="mq-label")
                    yield Select(
                        self._through_options(), value=DIRECT, allow_blank=False, id="mq-via", classes="mq-input"
                    )
                with Horizontal(id="mq-buttons"):
                    yield Button("Run (F5)", id="mq-run", variant="primary")
                    yield Button("Stop (F8)", id="mq-stop", disabled=True)
                    yield Button("Quickstart Producer (F6)", id="mq-qp")
                    yield Button("Quickstart Consumer (F7)", id="mq-qc")
            with Vertical(id="mq-results"):
                yield ProgressBar(total=1000, show_eta=False, id="mq-progress")
                yield Static("", id="mq-stats", markup=False)
                yield Static("", id="mq-result", markup=False)
                yield Log(max_lines=5000, id="mq-output")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "produce / consume test"
        self.sub_title = f"namesrv {self.cluster.namesrv_addr()}"
        self.query_one("#mq-output", Log).display = False

    def _through_options(self) -> list[tuple[str, str]]:
        """Namesrvs and brokers, or a proxy: its remoting port (rocketui's client) or its gRPC port
        (the official Python client), read back by rocketui's client or the official one."""
        options = [("brokers, remoting", DIRECT)]
        for node in self.cluster.proxies:
            options += [
                (f"proxy {node.name}: remoting", f"r:{node.name}"),
                (f"proxy {node.name}: gRPC (official client)", f"g:{node.name}"),
                (f"proxy {node.name}: gRPC, read back by the official client", f"G:{node.name}"),
            ]
        return options

    def through(self) -> tuple[str | None, bool, bool]:
        """(proxy node, send with gRPC, read back with gRPC) from the form."""
        choice = str(self.query_one("#mq-via", Select).value)
        if choice == DIRECT:
            return None, False, False
        kind, _, node = choice.partition(":")
        return node, kind in ("g", "G"), kind == "G"

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

    def _result(self, text: str | Text, style: str = "") -> None:
        shown = text if isinstance(text, Text) else Text(inert(text, newlines=True), style=style)
        self.query_one("#mq-result", Static).update(shown)

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
            self._result(str(exc), "red")
            return
        if self.ops.read_only:
            self.notify("read-only mode: the test writes messages, so it is disabled", severity="error")
            return
        self.query_one("#mq-output", Log).display = False
        bar = self.query_one("#mq-progress", ProgressBar)
        bar.update(total=spec.count, progress=0)
        self._result("")
        self._set_busy(True)
        self._produce(spec, self.query_one("#mq-group", Input).value.strip() or DEFAULT_GROUP, *self.through())

    @work(group="mqtest", exclusive=True, exit_on_error=False)
    async def _produce(self, spec: ProduceSpec, group: str, via: str | None, grpc: bool, verify_grpc: bool) -> None:
        def keep(run: ProduceRun) -> None:
            self.run = run

        outcome = await self.ops.mq.produce(
            spec,
            group=group,
            via=via,
            grpc=grpc,
            verify_grpc=verify_grpc,
            on_run=keep,
            on_progress=lambda p: self.post_message(MqTestUpdate(progress=p)),
            on_verify=lambda got, want: self.post_message(MqTestUpdate(text=f"consumed {got} of {want}")),
        )
        if outcome.value is None:
            self.post_message(MqTestUpdate(text=outcome.summary, failed=True, done=True))
            return
        report, verified = outcome.value
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
            self._result(message.text, "red" if message.failed else "")
        if message.report is not None:
            self._show_progress(message.report.progress)
            self._result(self._summary(message.report, message.verified))
        if message.quickstart is not None:
            q = message.quickstart
            self._result(Text.assemble((q.summary(), "green" if q.ok else "red"), "\n$ ", inert(q.command)))
        if message.line is not None:
            self.query_one("#mq-output", Log).write_line(inert(message.line))
        if message.done:
            self.run = None
            self._set_busy(False)

    def _show_progress(self, p: ProduceProgress) -> None:
        self.query_one("#mq-progress", ProgressBar).update(progress=p.sent + p.failed)
        lines = produce_report.progress_lines(p)
        if p.per_queue:
            lines.append("per queue: " + "  ".join(f"{q} {n}" for q, n in p.per_queue.items()))
        self.query_one("#mq-stats", Static).update(inert("\n".join(lines), newlines=True))

    @staticmethod
    def _summary(report: ProduceReport, verified: VerifyReport | GrpcConsumeReport | None) -> Text:
        text = Text("\n".join(inert(line) for line in produce_report.report_lines(report)))
        if verified is not None:
            lines = produce_report.check_lines(verified)
            text.append("\n" + inert(lines[0]), style="green" if verified.ok else "red")
            for line in lines[1:]:
                text.append("\n" + inert(line), style="yellow" if "not every queue" in line else "")
        return text

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
        if self.ops.read_only and which is Which.PRODUCER:
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
        outcome = await self.ops.mq.quickstart(which, on_line=lambda text: self.post_message(MqTestUpdate(line=text)))
        if outcome.value is None:
            self.post_message(MqTestUpdate(text=outcome.summary, failed=True, done=True))
            return
        self.post_message(MqTestUpdate(quickstart=outcome.value, done=True))

    def action_back(self) -> None:
        if self.busy:
            self.action_stop()
        self.app.pop_screen()
