"""A DataTable for thousands of keyed rows that a refresh replaces as a whole list (the `t` and
`g` screens: 1,214 topics, 200 groups), without blocking the keys.

What Textual's DataTable does per row and per cell is what stalled those screens:
* every new row's cells are measured through the console (three terminal-size calls per cell:
  ~1 s with the loop blocked for 1,214 rows x 9 columns on a busy 2-core machine);
* a narrower cell with `update_width` re-measures its whole column;
* every change invalidates every rendered line, so changes spread over many turns repaint many
  times.
Here a cell's width is its Text's cell length, kept per column and row as rows are shown, so the
columns fit their widest cell both ways and nothing is measured through the console.  `show`
compares the new list with what is on screen CHUNK rows per turn of the event loop: with the same
keys in the same order only the changed cells are replaced (at once when they are few: one
repaint); else the rows are rebuilt CHUNK per turn and the cursor goes back to its row as soon as
that row is there.  Host text in cells is never markup and its control characters are made
visible.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, RowKey

from rocketui.text import inert

Cell = str | Text
Row = tuple[str, tuple[Cell, ...]]  # (row key, cells)

CHUNK = 50  # rows compared or added between two turns of the event loop
AT_ONCE = 1000  # changed cells replaced in one turn (one repaint); more are spread over turns


def as_text(cell: Cell) -> Text:
    """Host text as a cell: never markup, control characters visible."""
    return cell if isinstance(cell, Text) else Text(inert(cell))


class KeyedTable(DataTable[Text]):
    """Rows keyed by a name (a topic, a group); columns keyed by their index."""

    def __init__(self, *, id: str | None = None, chunk: int = CHUNK) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.chunk = chunk
        self._keys: list[str] = []
        self._raw: list[tuple[Cell, ...]] = []  # the cells as given, compared with the next list
        self._labels: list[int] = []  # each column's label width
        self._widths: list[dict[str, int]] = []  # column -> row key -> its cell's width
        self._generation = 0  # the newest `show` wins; an older one stops at its next turn
        self._lock = asyncio.Lock()

    def set_columns(self, labels: Sequence[str]) -> None:
        for index, label in enumerate(labels):
            self.add_column(label, key=str(index))
        self._labels = [Text(label).cell_len for label in labels]
        self._widths = [{} for _ in labels]

    @property
    def keys(self) -> list[str]:
        """The row keys on screen, in order."""
        return list(self._keys)

    @property
    def showing(self) -> bool:
        """A list is being shown (rows compared or added across turns)."""
        return self._lock.locked()

    @property
    def selected_key(self) -> str | None:
        row = self.cursor_row
        return self._keys[row] if 0 <= row < len(self._keys) else None

    async def show(self, rows: Sequence[Row]) -> bool:
        """Show `rows` (False when a newer list came first and this one was given up)."""
        self._generation += 1
        me = self._generation
        async with self._lock:
            if me != self._generation:
                return False
            if [key for key, _ in rows] == self._keys:
                return await self._update(rows, me)
            return await self._rebuild(rows, me)

    async def _update(self, rows: Sequence[Row], me: int) -> bool:
        # `_raw` changes only with the screen (in `_apply`): a show given up or cancelled midway
        # leaves the two alike for the next one to compare with
        changed: list[tuple[int, tuple[Cell, ...], list[tuple[int, Cell]]]] = []
        for start in range(0, len(rows), self.chunk):
            for i in range(start, min(start + self.chunk, len(rows))):
                old, new = self._raw[i], rows[i][1]
                if old != new:
                    changed.append((i, new, [(j, b) for j, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]))
            await asyncio.sleep(0)
            if me != self._generation:
                return False
        done = 0
        for i, new, cells in changed:
            if done >= AT_ONCE:
                await asyncio.sleep(0)
                done = 0
            self._apply(i, new, cells)
            done += len(cells)
        return True

    def _apply(self, i: int, new: tuple[Cell, ...], cells: list[tuple[int, Cell]]) -> None:
        key = self._keys[i]
        for j, cell in cells:
            text = as_text(cell)
            widths = self._widths[j]
            resized = widths.get(key) != text.cell_len
            widths[key] = text.cell_len
            # update_width only marks the column for _update_column_widths/_update_dimensions below
            self.update_cell(key, str(j), text, update_width=resized)
        self._raw[i] = new

    async def _rebuild(self, rows: Sequence[Row], me: int) -> bool:
        keep, keep_row = self.selected_key, self.cursor_row
        on_screen = keep_row - int(self.scroll_y)  # the row's line in the view, kept
        self.clear()
        self._keys, self._raw = [], []
        self._widths = [{} for _ in self._labels]
        placed = keep is None
        for start in range(0, len(rows), self.chunk):
            for key, cells in rows[start : start + self.chunk]:
                texts = [as_text(c) for c in cells]
                self.add_row(*texts, key=key)
                self._keys.append(key)
                self._raw.append(cells)
                for widths, text in zip(self._widths, texts, strict=True):
                    widths[key] = text.cell_len
                if key == keep and self.cursor_row == 0:  # not moved by a key since the rebuild began
                    self._place(len(self._keys) - 1, on_screen)
                    placed = True
            await asyncio.sleep(0)
            if me != self._generation:
                return False
        if not placed and self._keys and self.cursor_row == 0:  # its row is gone: the one now there
            self._place(min(keep_row, len(self._keys) - 1), on_screen)
        return True

    def _place(self, row: int, on_screen: int) -> None:
        self.move_cursor(row=row, animate=False, scroll=False)
        # after the cursor watcher's own scroll, once the new rows' height is known
        self.call_after_refresh(self.scroll_to, y=max(0, row - on_screen), animate=False)

    # Textual's measuring hooks (textual is pinned): widths come from `_widths`, never the console.
    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        self._require_update_dimensions = True

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        for column, label, widths in zip(self.ordered_columns, self._labels, self._widths, strict=False):
            column.content_width = max(label, max(widths.values(), default=0))
        super()._update_dimensions(())  # rows are one line high: only the virtual size is left
