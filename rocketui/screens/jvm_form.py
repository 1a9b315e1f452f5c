"""`m`: the JVM memory a node runs with, edited where it is set.

Two places can set it: the cluster file's `jvm:` (of the node, or `defaults.jvm` / the
topology's), passed as JAVA_OPT_EXT, which the JVM takes last; and the launcher script
(bin/runserver.sh or bin/runbroker.sh), shared by every node of that kind using that RocketMQ home
on that host.  The form opens on the one in effect (the cluster file when it sets any flag for
this node) and says plainly which it edits; the other one is a switch away.  Either way the save
shows the diff, keeps a backup, refuses when the file changed behind the form, and offers a
restart to every running node whose JVM no longer matches.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Header, Input, Label, Select, Static

from rocketui.backends.base import BackendError
from rocketui.messages import ConfigLoaded, ConfigSaved
from rocketui.model.cluster import Node
from rocketui.rocketmq import jvm_script
from rocketui.screens.file_form import FileFormScreen, problems_text
from rocketui.services import config_edit as ce
from rocketui.text import inert
from rocketui.usecases.cluster_yaml import JVM_KEYS
from rocketui.usecases.gate import Outcome
from rocketui.usecases.operations import Operations

FIELD_HELP = {
    "Xms": "initial heap",
    "Xmx": "maximum heap (≥ Xms)",
    "Xmn": "young generation (< Xmx)",
    "MetaspaceSize": "metaspace size that triggers the first GC",
    "MaxMetaspaceSize": "metaspace limit",
    "MaxDirectMemorySize": "off-heap buffers (the broker's transient store and netty)",
}
CLUSTER, SCRIPT = "cluster", "script"


class JvmMemoryScreen(FileFormScreen):
    SAVE_TITLE = "Save JVM memory"
    JOURNAL_ACTION = "jvm save"

    def __init__(self, ops: Operations, node: Node, *, node_running: bool = False) -> None:
        super().__init__(ops, node, node_running=node_running)
        self.flags: jvm_script.ScriptFlags | None = None
        self.mode = CLUSTER if ops.edits.jvm_overrides(node) else SCRIPT
        self.current: dict[str, str | None] = {}  # what the edited file gives each flag now

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="jvm-mode-row"):
            yield Label("edit", classes="field-name")
            yield Select(
                [("the cluster file (jvm: of this node)", CLUSTER), ("the launcher script (shared)", SCRIPT)],
                value=self.mode,
                allow_blank=False,
                id="jvm-mode",
            )
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

    @on(Select.Changed, "#jvm-mode")
    def _mode_changed(self, event: Select.Changed) -> None:
        if event.value != self.mode:
            self.mode = str(event.value)
            self.loaded, self.plan = None, None
            self._load()

    @work(group="config-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        edits = self.ops.edits
        try:
            loaded = await (edits.load_cluster_file() if self.mode == CLUSTER else edits.load_script(self.node))
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
        self.node = self.ops.cluster.node(self.node.name)  # the cluster file may have been re-read
        self.flags = jvm_script.scan(message.loaded.data.decode("latin-1") if self.mode == SCRIPT else "")
        where.update(self._where_text())
        self._filling = True
        overrides = self.ops.edits.jvm_overrides(self.node)
        for flag in jvm_script.FLAGS:
            field = self.query_one(f"#f-{flag}", Input)
            editable = self.mode == SCRIPT or flag in JVM_KEYS
            value = self.flags.value(flag) if self.mode == SCRIPT else overrides.get(flag)
            self.current[flag] = value
            field.placeholder = "not set" if editable else "set in the launcher script only"
            field.disabled = not editable
            field.value = (value or "") if editable else ""
            self.query_one(f"#e-{flag}", Static).update(self._help(flag))
        self._filling = False
        self.query_one("#jvm-notes", Static).update(inert("\n".join(self._notes({})), newlines=True))
        self.query_one("#f-Xmx", Input).focus()
        self._replan()

    def _where_text(self) -> Text:
        assert self.loaded is not None
        running = ("  ·  running" if self.node_running else "", "yellow")
        if self.mode == CLUSTER:
            return Text.assemble(
                "editing ",
                ("jvm: of node " + self.node.name, "bold"),
                f" in {inert(self.loaded.path)} — what the node runs with (passed as JAVA_OPT_EXT, it wins over "
                "the launcher script)",
                running,
            )
        shared = len(self.ops.edits.script_sharers(self.node))
        return Text.assemble(
            "editing ",
            (inert(self.loaded.path), "bold"),
            f" on host '{self.loaded.host}' — shared by {shared} node{'s' if shared != 1 else ''}",
            running,
        )

    def _help(self, flag: str) -> str:
        if self.mode == CLUSTER:
            if flag not in JVM_KEYS:
                return f"{FIELD_HELP[flag]} · switch to the launcher script to edit it"
            given = self.current.get(flag) or "nothing (the script decides)"
            return f"{FIELD_HELP[flag]} · the cluster file gives {given}"
        assert self.flags is not None
        return f"{FIELD_HELP[flag]} · in the script: {self.flags.describe(flag)}"

    def _notes(self, changes: dict[str, str | None]) -> list[str]:
        if self.mode == CLUSTER:
            return [
                f"the node's own jvm: wins over defaults.jvm for the keys it sets; restart {self.node.name} to apply"
            ]
        return self.ops.edits.script_notes(self.node, changes or {f: None for f in jvm_script.FLAGS})

    def changes(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for flag in jvm_script.FLAGS:
            field = self.query_one(f"#f-{flag}", Input)
            if field.disabled:
                continue
            value = field.value.strip()
            if value != (self.current.get(flag) or ""):
                out[flag] = value or None
        return out

    @on(Input.Changed, ".field-input")
    def _field_changed(self, event: Input.Changed) -> None:
        if self._filling or self.loaded is None or event.input.id is None:
            return
        flag = event.input.id[2:]
        value = event.value.strip()
        problem = None
        if value:
            problem = jvm_script.size_problem(flag, value)
        elif flag not in jvm_script.REMOVABLE and self.mode == SCRIPT:
            problem = f"-{flag} cannot be removed; give a size like 512m or 2g"
        help_text = self.query_one(f"#e-{flag}", Static)
        help_text.update(problem or self._help(flag))
        help_text.set_class(problem is not None, "-error")
        event.input.set_class(problem is not None, "-invalid")
        self._replan(blocked=problem is not None)

    def _replan(self, *, blocked: bool = False) -> None:
        if self.loaded is None:
            return
        changes = self.changes()
        bad = [f for f, v in changes.items() if v and jvm_script.size_problem(f, v)]
        if self.mode == SCRIPT:
            bad += [f for f, v in changes.items() if v is None and f not in jvm_script.REMOVABLE]
        save = self.query_one("#save", Button)
        if bad or blocked:
            self.plan = None
            self.show_problems("✗ fix the fields marked in red", error=True)
            save.disabled = True
            return
        edits = self.ops.edits
        if self.mode == CLUSTER:
            self.plan = edits.plan_cluster_jvm(self.loaded, self.node, changes)
        else:
            self.plan = edits.plan_script(self.loaded, changes)
        self.show_problems(
            problems_text(self.plan, self._notes(changes) if changes else []), error=bool(self.plan.errors)
        )
        save.disabled = bool(self.plan.errors) or not self.plan.changed

    # ------------------------------------------------------------------ saving
    def save_notes(self, plan: ce.EditPlan) -> list[str]:
        return self._notes(self.changes())

    async def write(self, plan: ce.EditPlan) -> Outcome[ce.Saved]:
        if self.mode == CLUSTER:
            return await self.ops.edits.save_cluster_file(plan)
        return await super().write(plan)

    def saved(self, message: ConfigSaved) -> None:
        self.node = self.ops.cluster.node(self.node.name)
        if self.last_saved is not None:
            script = None if self.mode == CLUSTER else self.last_saved.new
            self._check_users(script)
        self._load()

    @work(group="config-check", exclusive=True, exit_on_error=False)
    async def _check_users(self, script: bytes | None) -> None:
        """Every running node of this launcher (or this node, for a cluster-file edit) whose JVM
        does not match what it would now be given is offered a restart."""
        try:
            users = await self.ops.edits.script_users(self.node, script)
        except (BackendError, OSError, ce.ConfigEditError):
            return
        stale = [u for u in users if u.needs_restart]
        if stale:
            lines = "\n".join(u.line() for u in stale)
            self.offer_restart(
                f"These nodes run with other memory flags than they would now be given:\n{lines}\n"
                "Restart them now (one after the other)?",
                [u.node for u in stale],
            )
