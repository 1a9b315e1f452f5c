"""The create/update topic form: name, read/write queues, permission, order.  Returns a
TopicSpec (the caller shows the mqadmin lines in a confirmation before anything changes)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from rocketui.services.topic_replicas import TopicSpec


class TopicFormModal(ModalScreen[TopicSpec | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, spec: TopicSpec | None = None, *, update: bool = False) -> None:
        super().__init__()
        self.spec = spec or TopicSpec("")
        self.update_mode = update

    def compose(self) -> ComposeResult:
        s = self.spec
        with Vertical(id="topic-form"):
            yield Static("Update topic" if self.update_mode else "Create topic", id="topic-form-title")
            yield Label("name")
            yield Input(s.name, id="tf-name", disabled=self.update_mode)
            yield Label("read queues / write queues (per broker)")
            with Horizontal(classes="tf-row"):
                yield Input(str(s.read_queues), id="tf-read", type="integer")
                yield Input(str(s.write_queues), id="tf-write", type="integer")
            yield Label("permission (6 read+write, 4 read, 2 write)")
            yield Input(str(s.perm), id="tf-perm", type="integer")
            yield Checkbox("ordered topic", s.order, id="tf-order")
            yield Static("", id="tf-error", markup=False)
            with Horizontal(id="topic-form-buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Review", id="ok", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#tf-read" if self.update_mode else "#tf-name", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "ok":
            self.dismiss(None)
            return
        try:
            spec = TopicSpec(
                self.query_one("#tf-name", Input).value.strip(),
                int(self.query_one("#tf-read", Input).value),
                int(self.query_one("#tf-write", Input).value),
                int(self.query_one("#tf-perm", Input).value),
                self.query_one("#tf-order", Checkbox).value,
            )
        except ValueError:
            self.query_one("#tf-error", Static).update("queues and permission are numbers")
            return
        problem = check_spec(spec)
        if problem:
            self.query_one("#tf-error", Static).update(problem)
            return
        self.dismiss(spec)

    def action_cancel(self) -> None:
        self.dismiss(None)


def check_spec(spec: TopicSpec) -> str:
    """Why the broker would refuse the spec ('' when it would not): TopicValidator's rules."""
    import re

    if not re.fullmatch(r"[%|a-zA-Z0-9_-]{1,127}", spec.name):
        return "topic names are 1-127 of a-z A-Z 0-9 _ - % |"
    if not (1 <= spec.read_queues <= 1024 and 1 <= spec.write_queues <= 1024):
        return "queues must be 1..1024"
    if spec.perm not in (2, 4, 6):
        return "permission must be 2, 4 or 6"
    return ""
