"""`m`: the JVM memory flags of the node's launcher script (bin/runserver.sh or bin/runbroker.sh).

The script is shared by every node of that kind using that RocketMQ home on that host, so the
form says who else is affected, and which nodes override a flag through the cluster file's
`jvm:` (passed as JAVA_OPT_EXT, which the JVM takes last).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Header, Input, Label, Static

from rocketui.backends.base import BackendError
from rocketui.messages import ConfigLoaded, ConfigSaved
from rocketui.model.cluster import Node
from rocketui.rocketmq import jvm_script
from rocketui.screens.file_form import FileFormScreen, problems_text
from rocketui.services import config_edit as ce
from rocketui.text import inert
from rocketui.usecases.operations import Operations

FIELD_HELP = {
    "Xms": "initial heap",
    "Xmx": "maximum heap (≥ Xms)",
    "Xmn": "young generation (< Xmx)",
    "MetaspaceSize": "metaspace size that triggers the first GC",
    "MaxMetaspaceSize": "metaspace limit",
    "MaxDirectMemorySize": "off-heap buffers (the broker's transient store and netty)",
}


class JvmMemoryScreen(FileFormScreen):
    SAVE_TITLE = "Save JVM memory"
    JOURNAL_ACTION = "jvm save"

    def __init__(self, ops: Operations, node: Node, *, node_running: bool = False) -> None:
        super().__init__(ops, node, node_running=node_running)
        self.flags: jvm_script.ScriptFlags | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(f"{self.node.kind.value} {self.node.name}: loading…", id="config-where", markup=False)
        with VerticalScroll(id="config-form"):
            for flag in jvm_script.FLAGS:
                with Horizontal(classes="field-row"):
                    yield Label(jvm_script.FLAGS[flag].rstrip("="), classes="field-name")
                    yield Input(placeholder="loading…", id=f"f-{flag}", classes="field-input", disabled=True)
                    yield Static(FIELD_HELP[flag], id=f"e-{flag}", classes="field-help", markup=False)
            yield Static("", id="jvm-notes", classes="section-title", markup=False)
        yield from self.compose_actions()

    def on_mount(self) -> None:
        self.title = f"JVM memory · {self.node.name}"
        self._load()

    @work(group="config-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        try:
            loaded = await self.ops.edits.load_script(self.node)
        except (ce.ConfigEditError, BackendError, OSError) as exc:
            self.post_message(ConfigLoaded(None, str(exc)))
            return
        self.post_message(ConfigLoaded(loaded))

    def on_config_loaded(self, message: ConfigLoaded) -> None:
        where = self.query_one("#config-where", Static)
        if message.loaded is None:
            where.update(Text.assemble((f"cannot edit the memory of {self.node.name}: ", "red"), inert(message.error)))
            return
        self.loaded = message.loaded
        self.flags = jvm_script.scan(self.loaded.data.decode("latin-1"))
        where.update(
            Text.assemble(
                f"{self.node.kind.value} ",
                (self.node.name, "bold"),
                f" · {inert(self.loaded.path)} on host '{self.loaded.host}'",
                ("  ·  running" if self.node_running else "", "yellow"),
            )
        )
        self._filling = True
        for flag in jvm_script.FLAGS:
            field = self.query_one(f"#f-{flag}", Input)
            field.placeholder, field.disabled = "not set", False
            field.value = self.flags.value(flag) or ""
            self.query_one(f"#e-{flag}", Static).update(
                f"{FIELD_HELP[flag]} · in the script: {self.flags.describe(flag)}"
            )
        self._filling = False
        # who shares the script, and every one of them (this node too) whose cluster-file jvm: wins
        notes = self.ops.edits.script_notes(self.node, {f: None for f in jvm_script.FLAGS})
        self.query_one("#jvm-notes", Static).update(inert("\n".join(notes), newlines=True))
        self.query_one("#f-Xmx", Input).focus()
        self._replan()

    def changes(self) -> dict[str, str | None]:
        assert self.flags is not None
        out: dict[str, str | None] = {}
        for flag in jvm_script.FLAGS:
            value = self.query_one(f"#f-{flag}", Input).value.strip()
            if value != (self.flags.value(flag) or ""):
                out[flag] = value or None
        return out

    @on(Input.Changed, ".field-input")
    def _field_changed(self, event: Input.Changed) -> None:
        if self._filling or self.flags is None or event.input.id is None:
            return
        flag = event.input.id[2:]
        value = event.value.strip()
        problem = None
        if value:
            problem = jvm_script.size_problem(flag, value)
        elif flag not in jvm_script.REMOVABLE:
            problem = f"-{flag} cannot be removed; give a size like 512m or 2g"
        help_text = self.query_one(f"#e-{flag}", Static)
        help_text.update(problem or f"{FIELD_HELP[flag]} · in the script: {self.flags.describe(flag)}")
        help_text.set_class(problem is not None, "-error")
        event.input.set_class(problem is not None, "-invalid")
        self._replan(blocked=problem is not None)

    def _replan(self, *, blocked: bool = False) -> None:
        if self.loaded is None:
            return
        changes = self.changes()
        bad = [
            f
            for f, v in changes.items()
            if (v and jvm_script.size_problem(f, v)) or (v is None and f not in jvm_script.REMOVABLE)
        ]
        save = self.query_one("#save", Button)
        if bad or blocked:
            self.plan = None
            self.show_problems("✗ fix the fields marked in red", error=True)
            save.disabled = True
            return
        edits = self.ops.edits
        self.plan = edits.plan_script(self.loaded, changes)
        notes = edits.script_notes(self.node, changes) if changes else []
        self.show_problems(problems_text(self.plan, notes), error=bool(self.plan.errors))
        save.disabled = bool(self.plan.errors) or not self.plan.changed

    # ------------------------------------------------------------------ after saving
    def save_notes(self, plan: ce.EditPlan) -> list[str]:
        return self.ops.edits.script_notes(self.node, self.changes())

    def saved(self, message: ConfigSaved) -> None:
        if self.last_saved is not None:
            self._check_users(self.last_saved.new)
        self._load()

    @work(group="config-check", exclusive=True, exit_on_error=False)
    async def _check_users(self, script: bytes) -> None:
        """Every running node of this launcher whose JVM does not match it now is offered a restart."""
        try:
            users = await self.ops.edits.script_users(self.node, script)
        except (BackendError, OSError):
            return
        stale = [u for u in users if u.needs_restart]
        if stale:
            lines = "\n".join(u.line() for u in stale)
            self.offer_restart(
                f"These nodes run with other memory flags than their launcher now gives them:\n{lines}\n"
                "Restart them now (one after the other)?",
                [u.node for u in stale],
            )
