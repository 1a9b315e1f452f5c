"""`e`: the selected broker's properties file as a validated form.

Typed fields for the keys operators change most, a table for every other key in the file (add
with `key=value`, remove with Delete), the problems of the edit as one types, and Save (Ctrl+S)
that shows the exact diff before writing.  After saving, a running broker is offered a live apply
of the hot keys (verified by reading them back) or a restart.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from rocketui.backends.base import BackendError
from rocketui.messages import ConfigLoaded, ConfigSaved
from rocketui.model.cluster import Node
from rocketui.rocketmq.broker_keys import SCHEMA, bundled_keys, unknown_key_message, validate_value
from rocketui.rocketmq.properties_edit import PropertiesDoc
from rocketui.screens.file_form import FileFormScreen, problems_text
from rocketui.services import config_edit as ce
from rocketui.text import inert
from rocketui.usecases.edits import hot_changes
from rocketui.usecases.operations import Operations
from rocketui.widgets.confirm import ConfirmModal, on_yes


class BrokerConfigScreen(FileFormScreen):
    SAVE_TITLE = "Save broker properties"
    JOURNAL_ACTION = "config save"

    def __init__(self, ops: Operations, node: Node, *, node_running: bool = False) -> None:
        super().__init__(ops, node, node_running=node_running)
        self.known = bundled_keys()
        self.original: dict[str, str] = {}
        self.others: dict[str, str] = {}  # keys outside the form, as edited

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(f"broker {self.node.name} on host '{self.node.host}': loading…", id="config-where", markup=False)
        with VerticalScroll(id="config-form"):
            for key in SCHEMA.values():
                with Horizontal(classes="field-row"):
                    yield Label(key.name, classes="field-name")
                    yield Input(placeholder="loading…", id=f"f-{key.name}", classes="field-input", disabled=True)
                    yield Static(key.description, id=f"e-{key.name}", classes="field-help", markup=False)
            yield Static("Other keys in the file (Delete removes the highlighted one)", classes="section-title")
            yield DataTable(id="other-keys", cursor_type="row")
            with Horizontal(classes="field-row"):
                yield Label("add key", classes="field-name")
                yield Input(placeholder="loading…", id="add-key", classes="field-input", disabled=True)
                yield Static("", id="add-error", classes="field-help", markup=False)
        yield from self.compose_actions()

    def on_mount(self) -> None:
        self.title = f"properties · {self.node.name}"
        self.query_one(DataTable).add_columns("key", "value")
        self._load()

    @work(group="config-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        try:
            loaded = await self.ops.edits.load_properties(self.node)
            doc = PropertiesDoc.parse(loaded.data)
        except (ce.ConfigEditError, BackendError, OSError, ValueError) as exc:
            self.post_message(ConfigLoaded(None, str(exc)))
            return
        # the key list of the release this broker runs (4.9.x lacks 5.x keys and has others)
        self.known = await self.ops.edits.known_keys(self.node)
        self.post_message(ConfigLoaded(loaded, "", doc.as_dict()))

    def on_config_loaded(self, message: ConfigLoaded) -> None:
        where = self.query_one("#config-where", Static)
        if message.loaded is None:
            where.update(Text.assemble((f"cannot edit {self.node.name}: ", "red"), inert(message.error)))
            return
        self.loaded = message.loaded
        self.original = dict(message.values)
        where.update(
            Text.assemble(
                "broker ",
                (self.node.name, "bold"),
                f" · {inert(self.loaded.path)} on host '{self.loaded.host}'",
                ("  ·  running" if self.node_running else "", "yellow"),
            )
        )
        self._filling = True
        for key in SCHEMA.values():
            field = self.query_one(f"#f-{key.name}", Input)
            field.placeholder = f"default {key.default}" if key.default else "not set"
            field.value = self.original.get(key.name, "")
            field.disabled = key.name not in self.known  # a key this broker's release does not have
            if field.disabled:
                self.query_one(f"#e-{key.name}", Static).update(f"not a key of RocketMQ {self.known.version}")
        add = self.query_one("#add-key", Input)
        add.placeholder, add.disabled = "key=value, Enter adds it", False
        self.others = {k: v for k, v in self.original.items() if k not in SCHEMA}
        self._fill_others()
        self._filling = False
        self.query_one(f"#f-{next(iter(SCHEMA))}", Input).focus()
        self._replan()

    def _fill_others(self) -> None:
        table = self.query_one("#other-keys", DataTable)
        table.clear()
        for key, value in self.others.items():
            table.add_row(Text(inert(key)), Text(inert(value)), key=key)

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
            self.plan = self.ops.edits.plan_properties(self.loaded, self.node, set_, unset, known=self.known)
        except ce.ConfigEditError as exc:
            self.plan = None
            self.show_problems(str(exc), error=True)
            self.query_one("#save", Button).disabled = True
            return
        self.show_problems(problems_text(self.plan, list(self.plan.notes)), error=bool(self.plan.errors))
        self.query_one("#save", Button).disabled = bool(self.plan.errors) or not self.plan.changed

    # ------------------------------------------------------------------ after saving
    def saved(self, message: ConfigSaved) -> None:
        plan = self.last_saved
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
                on_yes(lambda: self._apply_live(plan, hot)),
            )
        else:
            self.offer_restart(f"{self.node.name} runs with the old values of: {', '.join(cold)}. Restart it now?")

    @work(group="config-live", exclusive=True, exit_on_error=False)
    async def _apply_live(self, plan: ce.EditPlan, updates: dict[str, str]) -> None:
        outcome = await self.ops.edits.apply_live(self.node, plan, updates)
        self.post_message(ConfigSaved(outcome.ok, outcome.summary, final=True))
