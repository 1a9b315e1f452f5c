"""`M`: find a message by id (offset id or unique key) or by `TOPIC KEY`; shows properties, store
time and host, a capped body preview (text or hex) and which subscribed groups consumed it."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from rocketui.reports import admin_misc
from rocketui.screens.bindings import bindings
from rocketui.text import inert
from rocketui.usecases.operations import Operations


class MessageLookupScreen(Screen[None]):
    BINDINGS = bindings("messages")
    KEYMAP_SCOPE = "messages"

    def __init__(self, ops: Operations) -> None:
        super().__init__()
        self.ops = ops

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Input(placeholder="message id   or   TOPIC KEY   (Enter to look up)", id="msg-query")
        with VerticalScroll():
            yield Static("", id="msg-result", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "message lookup"
        self.query_one(Input).focus()

    @on(Input.Submitted, "#msg-query")
    def _submitted(self, event: Input.Submitted) -> None:
        words = event.value.split()
        if len(words) not in (1, 2):
            self.query_one("#msg-result", Static).update("give a message id, or a topic and a key")
            return
        self.query_one("#msg-result", Static).update("looking up…")
        self._lookup(words)

    @work(exclusive=True, exit_on_error=False)
    async def _lookup(self, words: list[str]) -> None:
        result = self.query_one("#msg-result", Static)
        try:
            if len(words) == 1:
                found = await self.ops.admin.message_by_id(words[0])
            else:
                found = await self.ops.admin.message_by_key(words[0], words[1])
        except Exception as exc:
            result.update(Text(inert(f"{type(exc).__name__}: {exc}"), style="red"))
            return
        result.update(Text(inert(admin_misc.messages_text(found), newlines=True)))

    def action_back(self) -> None:
        self.app.pop_screen()
