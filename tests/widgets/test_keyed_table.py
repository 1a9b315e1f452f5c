"""KeyedTable: whole lists of rows shown by changing what changed, widths from the cells, the
newest list winning (pure UI)."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import App, ComposeResult

from rocketui.widgets.keyed_table import KeyedTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield KeyedTable(chunk=7)

    def on_mount(self) -> None:
        self.query_one(KeyedTable).set_columns(["name", "value"])


def rows(count: int, value: str = "1") -> list[tuple[str, tuple[str | Text, ...]]]:
    return [(f"row{i:03d}", (f"row{i:03d}", value)) for i in range(count)]


def shown(table: KeyedTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_columns_fit_their_widest_cell_both_ways_and_host_text_is_inert() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = app.query_one(KeyedTable)
        await table.show(rows(30))
        await pilot.pause()
        value = table.ordered_columns[1]
        assert value.content_width == len("value")  # the label is the widest
        await table.show([*rows(29), ("row029", ("row029", "a wide value\x1b]52;c;x\x07"))])
        await pilot.pause()
        assert shown(table)[29][1] == "a wide value␛]52;c;x␇"
        assert value.content_width == len("a wide value␛]52;c;x␇")
        await table.show(rows(12))  # rebuilt without it: narrow again
        await pilot.pause()
        assert value.content_width == len("value") and table.row_count == 12


async def test_the_newest_list_wins_when_shows_overlap() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = app.query_one(KeyedTable)
        first, second = rows(200, "old"), [(k, (k, "new")) for k, _ in rows(150)[::-1]]
        done = await asyncio.gather(table.show(first), table.show(second))
        await pilot.pause()
        assert done == [False, True]  # the first was given up at its next turn, or never began
        assert table.keys == [k for k, _ in second] and shown(table) == [[k, "new"] for k, _ in second]


async def test_a_deleted_row_leaves_the_cursor_on_the_row_now_in_its_place() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = app.query_one(KeyedTable)
        await table.show(rows(100))
        table.move_cursor(row=40)
        await pilot.pause()
        await table.show([r for r in rows(100) if r[0] != "row040"])
        await pilot.pause()
        assert table.row_count == 99 and table.selected_key == "row041"
