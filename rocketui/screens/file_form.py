"""What the two file forms (`e` broker properties, `m` JVM memory) share: the Save/Cancel row,
the save confirmation with the exact diff, the journaled atomic write (through the edits use
case), the restart offer, and asking before unsaved edits are thrown away.

Subclasses compose their fields, load the file into `self.loaded`, keep `self.plan` current, and
say what a saved file means for the running node in `saved`.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from rocketui.messages import ConfigSaved
from rocketui.model.cluster import Node
from rocketui.screens.bindings import bindings
from rocketui.services import config_edit as ce
from rocketui.text import inert
from rocketui.usecases.gate import Outcome
from rocketui.usecases.operations import Operations
from rocketui.widgets.confirm import ConfirmModal, on_yes

ERROR_STYLE = "bold red"
WARNING_STYLE = "yellow"


def problems_text(plan: ce.EditPlan, notes: list[str]) -> Text:
    """Errors red, warnings yellow, notes plain; each line inert (it may quote the file)."""
    text = Text()
    for problem in plan.errors:
        text.append(f"✗ {inert(str(problem))}\n", style=ERROR_STYLE)
    for problem in plan.warnings:
        text.append(f"! {inert(str(problem))}\n", style=WARNING_STYLE)
    for note in notes:
        text.append(f"· {inert(note)}\n")
    if not plan.changed:
        text.append("no changes\n", style="dim")
    text.rstrip()
    return text


class FileFormScreen(Screen[None]):
    BINDINGS = bindings("config")
    KEYMAP_SCOPE = "config"
    SAVE_TITLE = "Save"  # the confirmation's title
    JOURNAL_ACTION = "save"  # the action name in the journal

    def __init__(self, ops: Operations, node: Node, *, node_running: bool = False) -> None:
        super().__init__()
        self.ops = ops
        self.node = node
        self.node_running = node_running
        self.loaded: ce.Loaded | None = None
        self.plan: ce.EditPlan | None = None
        self.last_saved: ce.EditPlan | None = None  # the plan of the last successful save
        self._filling = False  # set while the form is filled from the file: no re-validation then

    def compose_actions(self) -> ComposeResult:
        """The problems box, Cancel (first, so never the default) and Save, and the footer."""
        yield Static("", id="config-problems", markup=False)
        with Horizontal(id="config-buttons"):
            yield Button("Cancel", id="cancel")
            yield Button("Save… (Ctrl+S)", id="save", variant="primary", disabled=True)
        yield Footer()

    def show_problems(self, text: Text | str, *, error: bool = False) -> None:
        box = self.query_one("#config-problems", Static)
        box.update(text if isinstance(text, Text) else Text(inert(text, newlines=True), style=ERROR_STYLE))
        box.set_class(error, "-error")

    # ------------------------------------------------------------------ hooks
    def save_notes(self, plan: ce.EditPlan) -> list[str]:
        """Lines added under the save question (who else the file affects, …)."""
        return list(plan.notes)

    def saved(self, message: ConfigSaved) -> None:
        """The file was written: offer what the running node needs."""

    def action_remove_key(self) -> None:
        """Delete removes a key in forms that have a key table."""

    # ------------------------------------------------------------------ leaving
    @property
    def dirty(self) -> bool:
        return self.plan is not None and self.plan.changed

    @on(Button.Pressed, "#cancel")
    def action_back(self) -> None:
        if not self.dirty:
            self.app.pop_screen()
            return
        self.app.push_screen(
            ConfirmModal(
                "Discard changes",
                f"The form has changes to {self.loaded.path if self.loaded else 'the file'} that are not saved. "
                "Leave and throw them away?",
                confirm_label="Discard",
                details=self.plan.diff.splitlines() if self.plan else None,
            ),
            on_yes(lambda: self.app.pop_screen()),
        )

    # ------------------------------------------------------------------ saving
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        plan = self.plan
        if plan is None or plan.errors or not plan.changed:
            self.notify(
                "nothing to save" if plan is None or not plan.changed else "fix the errors first", severity="warning"
            )
            return
        if self.ops.read_only:
            self.notify("read-only mode: saving is disabled", severity="error")
            return
        body = (
            f"Write {plan.loaded.path} on host '{plan.loaded.host}' (atomic replace, the old content kept "
            "as a timestamped .bak)?" + "".join(f"\n· {n}" for n in self.save_notes(plan))
        )
        self.app.push_screen(
            ConfirmModal(
                self.SAVE_TITLE,
                inert(body, newlines=True),
                confirm_label="Save",
                details=[inert(line) for line in plan.diff.splitlines()],
            ),
            on_yes(lambda: self._save(plan)),
        )

    async def write(self, plan: ce.EditPlan) -> Outcome[ce.Saved]:
        """How this form's file is saved (the edits use case: gated, journaled)."""
        return await self.ops.edits.save(self.node, plan, action=self.JOURNAL_ACTION)

    @work(group="config-save", exclusive=True, exit_on_error=False)
    async def _save(self, plan: ce.EditPlan) -> None:
        outcome = await self.write(plan)
        self.post_message(ConfigSaved(outcome.ok, outcome.summary))

    def on_config_saved(self, message: ConfigSaved) -> None:
        text = inert(message.text, newlines=True)
        if message.final:  # the end of a live apply or restart
            self.notify(
                text, title=self.node.name, severity="information" if message.ok else "error", timeout=10, markup=False
            )
            return
        if not message.ok:
            self.show_problems(text, error=True)
            self.notify(text.splitlines()[0], title="not saved", severity="error", timeout=10, markup=False)
            return
        self.last_saved, self.plan = self.plan, None  # saved: nothing unsaved until the next edit
        self.notify(text.splitlines()[0], title="saved", markup=False)
        self.saved(message)

    def offer_restart(self, text: str, nodes: list[Node] | None = None) -> None:
        targets = nodes or [self.node]
        self.app.push_screen(
            ConfirmModal("Restart needed", inert(text, newlines=True), confirm_label="Restart"),
            on_yes(lambda: self._restart(targets)),
        )

    @work(group="config-live", exclusive=True, exit_on_error=False)
    async def _restart(self, nodes: list[Node]) -> None:
        for node in nodes:
            outcome = await self.ops.lifecycle.restart(node)
            self.post_message(ConfigSaved(outcome.ok, f"{node.name}: {outcome.summary}", final=True))
            if not outcome.ok:
                return
