"""Base of the day-2 list screens (`t` topics, `g` groups): a table a worker refreshes every few
seconds from a use-case query, a `/` filter and a summary line.  Host text is shown inert."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static

from rocketui.text import inert
from rocketui.usecases.operations import Operations

REFRESH_SECONDS = 5.0
FILL_CHUNK = 50  # rows added or compared between two turns of the event loop


def shown(cell: str | Text) -> Text:
    """Host text as a cell: never markup, control characters visible."""
    return cell if isinstance(cell, Text) else Text(inert(cell))


class AdminTableScreen(Screen[None]):
    COLUMNS: tuple[str, ...] = ()
    WHAT = "rows"

    def __init__(self, ops: Operations) -> None:
        super().__init__()
        self.ops = ops
        self._timer: Timer | None = None
        self.loaded = False
        self._keys: list[str] = []
        self._raw: list[tuple[str | Text, ...]] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="admin-table", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="filter by name", id="admin-filter")
        yield Static(f"loading {self.WHAT}…", id="admin-summary", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#admin-filter", Input).display = False
        table = self.query_one(DataTable)
        table.add_columns(*self.COLUMNS)
        table.focus()
        self.action_refresh()

    # subclasses: what to load (a use-case query) and the rows to show
    async def load(self) -> None:
        raise NotImplementedError

    def rows(self, text_filter: str) -> list[tuple[str, tuple[str | Text, ...]]]:
        """(row key, cells) for the current data."""
        raise NotImplementedError

    def summary(self) -> Text:
        return Text("")

    def action_refresh(self) -> None:
        self._collect()

    @work(exclusive=True, exit_on_error=False, group="admin-refresh")
    async def _collect(self) -> None:
        try:
            await self.load()
            self.loaded = True
            await self.fill()
        except Exception as exc:  # shown; the next refresh tries again
            self.query_one("#admin-summary", Static).update(
                Text.assemble(("refresh failed: ", "red"), inert(f"{type(exc).__name__}: {exc}"))
            )
        finally:
            if self._timer is not None:
                self._timer.stop()
            if self.is_attached:
                self._timer = self.set_timer(REFRESH_SECONDS, self.action_refresh)

    async def fill(self) -> None:
        """Show the rows: only changed cells when the same rows are shown (a refresh of 1,000
        topics touches a few cells), else rebuilt in chunks; keys are answered in between."""
        table = self.query_one(DataTable)
        rows = self.rows(self.query_one("#admin-filter", Input).value)
        keys = [k for k, _ in rows]
        raw = [cells for _, cells in rows]
        if keys == self._keys and table.row_count == len(keys):
            for i, (old, new) in enumerate(zip(self._raw, raw, strict=True)):
                if old != new:
                    for j, (a, b) in enumerate(zip(old, new, strict=True)):
                        if a != b:
                            table.update_cell_at(Coordinate(i, j), shown(b))
                if i % FILL_CHUNK == 0:
                    await asyncio.sleep(0)
        else:
            keep = self.selected_key()
            table.clear()
            for start in range(0, len(rows), FILL_CHUNK):
                for key, cells in rows[start : start + FILL_CHUNK]:
                    table.add_row(*(shown(c) for c in cells), key=key)
                await asyncio.sleep(0)
            if keep in keys:
                table.move_cursor(row=keys.index(keep))
        self._keys, self._raw = keys, raw
        self.query_one("#admin-summary", Static).update(self.summary())

    def refill(self) -> None:
        """Show the current data again (the filter or a view toggle changed)."""
        self.run_worker(self.fill(), group="admin-fill", exclusive=True, exit_on_error=False)

    def selected_key(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(Input.Changed, "#admin-filter")
    def _filter(self) -> None:
        if self.loaded:
            self.refill()

    @on(Input.Submitted, "#admin-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        box = self.query_one("#admin-filter", Input)
        box.display = True
        box.focus()

    def action_back(self) -> None:
        box = self.query_one("#admin-filter", Input)
        if box.value or box.has_focus:
            box.value = ""
            box.display = False
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()
