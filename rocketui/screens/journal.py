"""`j`: the action journal of this cluster, newest first, with a `/` filter."""

from __future__ import annotations

import os
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from rocketui.rocketmq.log_format import host_zone, offset_label
from rocketui.screens.bindings import bindings
from rocketui.text import inert
from rocketui.usecases.journal import Entry, Journal


class JournalScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings("journal")]
    KEYMAP_SCOPE = "journal"

    def __init__(self, journal: Journal, cluster_file: str) -> None:
        super().__init__()
        self.journal = journal
        self.cluster_file = os.path.abspath(cluster_file)
        self.entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="journal-table", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="filter: text in node, action, user, command or error", id="journal-filter")
        yield Static("", id="journal-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "journal"
        # the clock of the log view's default: an action lines up with the log lines it caused
        self.sub_title = f"host time {offset_label(host_zone())} · {self.journal.path}"
        self.query_one("#journal-filter", Input).display = False
        table = self.query_one(DataTable)
        table.add_columns("when", "user", "action", "node", "host", "outcome", "took", "commands")
        table.focus()
        self._load()

    @work(thread=True, exclusive=True, group="journal")
    def _load(self) -> None:
        entries = list(self.journal.entries(cluster=self.cluster_file))
        self.app.call_from_thread(self._show, entries)

    def _show(self, entries: list[Entry]) -> None:
        self.entries = list(reversed(entries))
        self._fill(self.query_one("#journal-filter", Input).value)

    def _fill(self, text: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        needle = text.lower()
        for i, e in enumerate(self.entries):
            blob = " ".join([e.action, e.node or "", e.host or "", e.user, e.outcome, e.error, *e.commands, *e.files])
            if needle and needle not in blob.lower():
                continue
            first = e.commands[0] if e.commands else (f"wrote {e.files[0]}" if e.files else "")
            more = f" (+{len(e.commands) + len(e.files) - 1})" if len(e.commands) + len(e.files) > 1 else ""
            cells = [
                e.when(),
                e.user,
                e.action,
                e.node or "-",
                e.host or "-",
                e.outcome,
                f"{e.duration:.1f}s",
                first[:80] + more,
            ]
            shown = [Text(inert(c)) for c in cells]  # entries quote host output: never markup
            if e.outcome != "ok":
                shown[5].stylize("red")
            table.add_row(*shown, key=str(i))
        self._detail()

    @on(Input.Changed, "#journal-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#journal-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        table = self.query_one(DataTable)
        detail = self.query_one("#journal-detail", Static)
        if table.row_count == 0:
            detail.update(
                "no entries" + (" match the filter" if self.query_one("#journal-filter", Input).value else "")
            )
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        e = self.entries[int(str(key))]
        lines = [f"$ {c}" for c in e.commands] + [f"wrote {f}" for f in e.files]
        if e.error:
            lines.append(f"error: {e.error}")
        detail.update(inert("\n".join(lines), newlines=True) or "(no commands)")

    def action_filter(self) -> None:
        box = self.query_one("#journal-filter", Input)
        box.display = True
        box.focus()

    def action_back(self) -> None:
        box = self.query_one("#journal-filter", Input)
        if box.value or box.has_focus:
            box.value = ""
            box.display = False
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def action_reload(self) -> None:
        self._load()
