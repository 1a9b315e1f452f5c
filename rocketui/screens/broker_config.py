"""`e`: the selected broker's properties file as a validated form.

Typed fields for the keys operators change most, a table for every other key in the file (add
with `key=value`, remove with Delete), the problems of the edit as one types, and Save (Ctrl+S)
that shows the exact diff before writing.  After saving, a running broker is offered a live apply
of the hot keys (verified by reading them back) or a restart.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from rocketui.messages import ConfigLoaded, ConfigSaved
from rocketui.model.cluster import Node
from rocketui.rocketmq.broker_keys import SCHEMA, bundled_keys, unknown_key_message, validate_value
from rocketui.rocketmq.properties_edit import PropertiesDoc
from rocketui.screens.file_form import FileFormScreen
from rocketui.services import config_edit as ce
from rocketui.services.live_config import apply_live, hot_changes
from rocketui.services.nodes import NodeError, NodeService
from rocketui.widgets.confirm import ConfirmModal


class BrokerConfigScreen(FileFormScreen):
    SAVE_TITLE = "Save broker properties"
    JOURNAL_ACTION = "config save"

    def __init__(self, service: NodeService, node: Node, *, node_running: bool = False) -> None:
        super().__init__(service, node, node_running=node_running)
        self.known = bundled_keys()
        self.original: dict[str, str] = {}
        self.others: dict[str, str] = {}  # keys outside the form, as edited

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(f"broker [b]{self.node.name}[/] on host '{self.node.host}': loading…", id="config-where")
        with VerticalScroll(id="config-form"):
            for key in SCHEMA.values():
                with Horizontal(classes="field-row"):
                    yield Label(key.name, classes="field-name")
                    yield Input(
                        placeholder=f"default {key.default}" if key.default else "not set",
                        id=f"f-{key.name}",
                        classes="field-input",
                    )
                    yield Static(key.description, id=f"e-{key.name}", classes="field-help", markup=False)
            yield Static("Other keys in the file (Delete removes the highlighted one)", classes="section-title")
            yield DataTable(id="other-keys", cursor_type="row")
            with Horizontal(classes="field-row"):
                yield Label("add key", classes="field-name")
                yield Input(placeholder="key=value, Enter adds it", id="add-key", classes="field-input")
                yield Static("", id="add-error", classes="field-help", markup=False)
        yield from self.compose_actions()

    def on_mount(self) -> None:
        self.title = f"properties · {self.node.name}"
        self.query_one(DataTable).add_columns("key", "value")
        self._load()

    @work(group="config-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        try:
            loaded = await ce.load_node_config(self.service.cluster, self.service.backend(self.node), self.node)
            doc = PropertiesDoc.parse(loaded.data)
        except (ce.ConfigEditError, OSError, ValueError) as exc:
            self.post_message(ConfigLoaded(None, str(exc)))
            return
        self.post_message(ConfigLoaded(loaded, "", doc.as_dict()))

    def on_config_loaded(self, message: ConfigLoaded) -> None:
        where = self.query_one("#config-where", Static)
        if message.loaded is None:
            where.update(f"[red]cannot edit {self.node.name}:[/] {message.error}")
            return
        self.loaded = message.loaded
        self.original = dict(message.values)
        where.update(
            f"broker [b]{self.node.name}[/] · {self.loaded.path} on host '{self.loaded.host}'"
            + ("  ·  [yellow]running[/]" if self.node_running else "")
        )
        self._filling = True
        for key in SCHEMA:
            self.query_one(f"#f-{key}", Input).value = self.original.get(key, "")
        self.others = {k: v for k, v in self.original.items() if k not in SCHEMA}
        self._fill_others()
        self._filling = False
        self.query_one(f"#f-{next(iter(SCHEMA))}", Input).focus()
        self._replan()

    def _fill_others(self) -> None:
        table = self.query_one("#other-keys", DataTable)
        table.clear()
        for key, value in self.others.items():
            table.add_row(key, value, key=key)

    # ------------------------------------------------------------------ editing
    def changes(self) -> tuple[dict[str, str], list[str]]:
        """What the form changes: keys to set and keys to remove from the file."""
        set_: dict[str, str] = {}
        unset: list[str] = []
        for key in SCHEMA:
            value = self.query_one(f"#f-{key}", Input).value
            if value == self.original.get(key, ""):
                continue
            if value == "" and key in self.original:
                unset.append(key)
            elif value != "":
                set_[key] = value
        for key, value in self.others.items():
            if self.original.get(key) != value:
                set_[key] = value
        unset += [k for k in self.original if k not in SCHEMA and k not in self.others]
        return set_, unset

    @on(Input.Changed, ".field-input")
    def _field_changed(self, event: Input.Changed) -> None:
        if self._filling or event.input.id is None or not event.input.id.startswith("f-"):
            return
        key = event.input.id[2:]
        help_text = self.query_one(f"#e-{key}", Static)
        problem = validate_value(key, event.value, self.known) if event.value else None
        help_text.update(problem or SCHEMA[key].description)
        help_text.set_class(problem is not None, "-error")
        event.input.set_class(problem is not None, "-invalid")
        self._replan()

    @on(Input.Submitted, "#add-key")
    def _add_key(self, event: Input.Submitted) -> None:
        error = self.query_one("#add-error", Static)
        key, sep, value = event.value.partition("=")
        key, value = key.strip(), value.strip()
        problem = None
        if not sep or not key:
            problem = "write it as key=value"
        elif key in SCHEMA:
            problem = f"{key} has its own field above"
        elif key not in self.known:
            problem = unknown_key_message(key, self.known)
        else:
            problem = validate_value(key, value, self.known)
        error.update(problem or "")
        error.set_class(problem is not None, "-error")
        if problem is None:
            self.others[key] = value
            self._fill_others()
            event.input.value = ""
            self._replan()

    def action_remove_key(self) -> None:
        table = self.query_one("#other-keys", DataTable)
        if not table.has_focus or table.row_count == 0:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.others.pop(key, None)
        self._fill_others()
        self._replan()

    def _replan(self) -> None:
        if self.loaded is None:
            return
        set_, unset = self.changes()
        try:
            self.plan = ce.plan_properties(
                self.loaded, set_, unset, known=self.known, cluster=self.service.cluster, node=self.node
            )
        except ce.ConfigEditError as exc:
            self.plan = None
            self.query_one("#config-problems", Static).update(str(exc))
            self.query_one("#save", Button).disabled = True
            return
        lines = [f"✗ {p}" for p in self.plan.errors] + [f"! {p}" for p in self.plan.warnings]
        lines += [f"· {n}" for n in self.plan.notes]
        if not self.plan.changed:
            lines.append("no changes")
        box = self.query_one("#config-problems", Static)
        box.update("\n".join(lines))
        box.set_class(bool(self.plan.errors), "-error")
        self.query_one("#save", Button).disabled = bool(self.plan.errors) or not self.plan.changed

    # ------------------------------------------------------------------ after saving
    def saved(self, message: ConfigSaved) -> None:
        plan = self.plan
        set_, unset = self.changes()
        self._after_save(plan, set_, unset)

    def _after_save(self, plan: ce.EditPlan | None, set_: dict[str, str], unset: list[str]) -> None:
        """Reload the saved file as the new baseline, then offer what a running broker needs."""
        self._load()
        if plan is None or not self.node_running:
            return
        hot, cold = hot_changes(set_)
        cold += unset
        if hot and not cold:
            keys = ", ".join(f"{k}={v}" for k, v in hot.items())
            self.app.push_screen(
                ConfirmModal(
                    "Apply to the running broker",
                    f"Apply {keys} to {self.node.name} now, without a "
                    "restart? The broker rewrites its file when it applies a change; rocketui puts its "
                    "saved version back and reads the values from the broker to check them.",
                    confirm_label="Apply",
                ),
                lambda ok: self._apply_live(plan, hot) if ok else None,
            )
        else:
            self.offer_restart(f"{self.node.name} runs with the old values of: {', '.join(cold)}. Restart it now?")

    @work(group="config-live", exclusive=True, exit_on_error=False)
    async def _apply_live(self, plan: ce.EditPlan, updates: dict[str, str]) -> None:
        cluster, node = self.service.cluster, self.node

        async def body(record):  # journaled like every change: the request and the file put back
            addr = cluster.endpoint(node)
            record.commands.append(
                f"{node.host}: UPDATE_BROKER_CONFIG to {addr}: " + " ".join(f"{k}={v}" for k, v in updates.items())
            )
            result = await apply_live(cluster, self.service.backend(node), node, plan, updates)
            if result.restored_file:
                record.files.append(f"{node.host}: {plan.loaded.path} (rocketui's saved version put back)")
            if not result.ok:
                record.outcome, record.error = "failed", result.error or str(result.mismatched)
            return result

        try:
            result = await self.service.act("config apply", node, body)
        except NodeError as exc:
            self.post_message(ConfigSaved(False, str(exc), final=True))
            return
        if result.ok:
            text = f"applied and verified on {self.node.name}: " + ", ".join(
                f"{k}={v}" for k, v in result.applied.items()
            )
            self.post_message(ConfigSaved(True, text, final=True))
        else:
            wrong = "; ".join(f"{k}: wanted {w}, broker has {h}" for k, (w, h) in result.mismatched.items())
            self.post_message(ConfigSaved(False, result.error or f"not applied as asked: {wrong}"))
