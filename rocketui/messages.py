"""All cross-component messages of rocketui (workers → screens → widgets)."""

from __future__ import annotations

from textual.message import Message

from rocketui.services.node_status import NodeStatus


class StatusUpdated(Message):
    """A fresh status of every node (one poll)."""

    def __init__(self, statuses: dict[str, NodeStatus]) -> None:
        super().__init__()
        self.statuses = statuses

    def can_replace(self, message: Message) -> bool:  # an older poll result is superseded
        return isinstance(message, StatusUpdated)


class ActionProgress(Message):
    """A step of a running action (start/stop/...) on a node."""

    def __init__(self, node: str, text: str) -> None:
        super().__init__()
        self.node = node
        self.text = text


class ActionFinished(Message):
    """An action ended; `ok` says whether it reached what was asked."""

    def __init__(self, action: str, node: str | None, ok: bool, text: str) -> None:
        super().__init__()
        self.action = action
        self.node = node
        self.ok = ok
        self.text = text
