"""The main screen's pane of recent events, newest at the bottom."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from rocketui.reports.events import ERROR, WARNING, Event

SEVERITY_STYLE = {ERROR: "bold red", WARNING: "yellow"}
KEPT = 500  # lines scrolled back; older ones dropped


class EventPane(RichLog):
    """Each event one line, as Text (never markup: it quotes hosts and processes)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(max_lines=KEPT, wrap=False, markup=False, highlight=False, id=id)
        self.border_title = "events"
        self.count = 0

    def add(self, events: list[Event]) -> None:
        for event in events:
            self.write(Text(event.line(), style=SEVERITY_STYLE.get(event.severity, "")))
            self.count += 1
