"""The `?` help screen, generated from the keymap table."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rocketui.keymap import KEYMAP, display_key

SCOPE_TITLES = {
    "global": "Everywhere",
    "main": "Node table",
    "logs": "Log view",
    "config": "Forms",
    "journal": "Journal",
    "mqtest": "Test panel",
    "health": "Health",
    "topics": "Topics",
    "groups": "Consumer groups",
    "detail": "Group detail",
    "messages": "Message lookup",
    "drain": "Drain",
}


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static("[b]rocketui keys[/]  (Esc closes)", id="help-title")
            yield Static(self._table())

    def _table(self) -> Table:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("Where")
        table.add_column("Key")
        table.add_column("Action")
        app_keymap = getattr(self.app, "keymap_overrides", {})
        for key in KEYMAP:
            keys = app_keymap.get(key.id, key.keys)
            note = " (changes something; refused in read-only mode)" if key.mutating else ""
            table.add_row(
                SCOPE_TITLES.get(key.scope, key.scope.capitalize()), display_key(keys), key.description + note
            )
        return table

    def action_close(self) -> None:
        self.dismiss(None)
