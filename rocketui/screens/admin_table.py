"""Base of the day-2 list screens (`t` topics, `g` groups): a table a worker refreshes every few
seconds from a use-case query, a `/` filter and a summary line.  The table (KeyedTable) shows
each refresh without blocking the keys and keeps the cursor on its row; host text is inert."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static

from rocketui.text import inert
from rocketui.usecases.operations import Operations
from rocketui.widgets.keyed_table import KeyedTable

REFRESH_SECONDS = 5.0


class AdminTableScreen(Screen[None]):
    COLUMNS: tuple[str, ...] = ()
    WHAT = "rows"

    def __init__(self, ops: Operations) -> None:
        super().__init__()
        self.ops = ops
        self._timer: Timer | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield KeyedTable(id="admin-table")
        yield Input(placeholder="filter by name", id="admin-filter")
        yield Static(f"loading {self.WHAT}…", id="admin-summary", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#admin-filter", Input).display = False
        table = self.query_one(KeyedTable)
        table.set_columns(self.COLUMNS)
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
        """Show the rows (only the changed cells when the same rows are shown; keys are answered
        in between) and the summary."""
        rows = self.rows(self.query_one("#admin-filter", Input).value)
        if await self.query_one(KeyedTable).show(rows):
            self.query_one("#admin-summary", Static).update(self.summary())

    def refill(self) -> None:
        """Show the current data again (the filter or a view toggle changed)."""
        self.run_worker(self.fill(), group="admin-fill", exclusive=True, exit_on_error=False)

    def selected_key(self) -> str | None:
        return self.query_one(KeyedTable).selected_key

    def action_open(self) -> None:
        """Enter on a row (subclasses: its detail screen)."""

    @on(DataTable.RowSelected, "#admin-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        # the focused table answers Enter itself (select_cursor), so the screen's binding never fires
        event.stop()
        self.action_open()

    @on(Input.Changed, "#admin-filter")
    def _filter(self) -> None:
        if self.loaded:
            self.refill()

    @on(Input.Submitted, "#admin-filter")
    def _filter_done(self) -> None:
        self.query_one(KeyedTable).focus()

    def action_filter(self) -> None:
        box = self.query_one("#admin-filter", Input)
        box.display = True
        box.focus()

    def action_back(self) -> None:
        box = self.query_one("#admin-filter", Input)
        if box.value or box.has_focus:
            box.value = ""
            box.display = False
            self.query_one(KeyedTable).focus()
            return
        self.app.pop_screen()
