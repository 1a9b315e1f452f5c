"""What the two file forms (`e` broker properties, `m` JVM memory) share: the Save/Cancel row,
the save confirmation with the exact diff, the journaled atomic write, and the restart offer.

Subclasses compose their fields, load the file into `self.loaded`, keep `self.plan` current, and
say what a saved file means for the running node in `saved`.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from rocketui.messages import ConfigSaved
from rocketui.model.cluster import Node
from rocketui.screens.bindings import bindings
from rocketui.services import config_edit as ce
from rocketui.services.nodes import NodeError, NodeService
from rocketui.widgets.confirm import ConfirmModal


class FileFormScreen(Screen):
    BINDINGS = bindings("config")
    KEYMAP_SCOPE = "config"
    SAVE_TITLE = "Save"  # the confirmation's title
    JOURNAL_ACTION = "save"  # the action name in the journal

    def __init__(self, service: NodeService, node: Node, *, node_running: bool = False) -> None:
        super().__init__()
        self.service = service
        self.node = node
        self.node_running = node_running
        self.loaded: ce.Loaded | None = None
        self.plan: ce.EditPlan | None = None
        self._filling = False  # set while the form is filled from the file: no re-validation then

    def compose_actions(self) -> ComposeResult:
        """The problems box, Cancel (first, so never the default) and Save, and the footer."""
        yield Static("", id="config-problems", markup=False)
        with Horizontal(id="config-buttons"):
            yield Button("Cancel", id="cancel")
            yield Button("Save… (Ctrl+S)", id="save", variant="primary", disabled=True)
        yield Footer()

    # ------------------------------------------------------------------ hooks
    def save_notes(self, plan: ce.EditPlan) -> list[str]:
        """Lines added under the save question (who else the file affects, …)."""
        return list(plan.notes)

    async def after_write(self, plan: ce.EditPlan) -> str:
        """Runs in the save worker once the file is written; its text is appended to the report."""
        return ""

    def saved(self, message: ConfigSaved) -> None:
        """The file was written: offer what the running node needs."""

    def action_remove_key(self) -> None:
        """Delete removes a key in forms that have a key table."""

    # ------------------------------------------------------------------ saving
    @on(Button.Pressed, "#cancel")
    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        plan = self.plan
        if plan is None or plan.errors or not plan.changed:
            self.notify(
                "nothing to save" if plan is None or not plan.changed else "fix the errors first", severity="warning"
            )
            return
        if self.service.read_only:
            self.notify("read-only mode: saving is disabled", severity="error")
            return
        body = (
            f"Write {plan.loaded.path} on host '{plan.loaded.host}' (atomic replace, the old content kept "
            "as a timestamped .bak)?" + "".join(f"\n· {n}" for n in self.save_notes(plan))
        )
        self.app.push_screen(
            ConfirmModal(self.SAVE_TITLE, body, confirm_label="Save", details=plan.diff.splitlines()),
            lambda ok: self._save(plan) if ok else None,
        )

    @work(group="config-save", exclusive=True, exit_on_error=False)
    async def _save(self, plan: ce.EditPlan) -> None:
        backend = self.service.backend(self.node)
        try:  # through the node service: refused in read-only mode, journaled
            saved = await self.service.save_file(
                self.JOURNAL_ACTION, self.node, lambda: ce.save(backend, plan), plan.loaded.path
            )
        except (ce.ConfigEditError, NodeError, OSError) as exc:
            self.post_message(ConfigSaved(False, str(exc)))
            return
        extra = await self.after_write(plan)
        self.post_message(ConfigSaved(True, f"saved {saved.path}; old content in {saved.backup}{extra}"))

    def on_config_saved(self, message: ConfigSaved) -> None:
        if message.final:  # the end of a live apply or restart
            self.notify(
                message.text, title=self.node.name, severity="information" if message.ok else "error", timeout=10
            )
            return
        if not message.ok:
            self.query_one("#config-problems", Static).update(message.text)
            self.notify(message.text.splitlines()[0], title="not saved", severity="error", timeout=10)
            return
        self.notify(message.text.splitlines()[0], title="saved")
        self.saved(message)

    def offer_restart(self, text: str) -> None:
        self.app.push_screen(
            ConfirmModal("Restart needed", text, confirm_label="Restart"), lambda ok: self._restart() if ok else None
        )

    @work(group="config-live", exclusive=True, exit_on_error=False)
    async def _restart(self) -> None:
        status = await self.service.restart(self.node)
        self.post_message(
            ConfigSaved(
                status.state.value == "running",
                f"{self.node.name}: {status.state.value} {status.message}".strip(),
                final=True,
            )
        )
