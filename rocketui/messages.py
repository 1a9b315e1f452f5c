"""All cross-component messages of rocketui (workers → screens → widgets)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from rocketui.services.node_status import NodeStatus


class StatusUpdated(Message):
    """A fresh status of every node (one poll)."""

    def __init__(self, statuses: dict[str, NodeStatus]) -> None:
        super().__init__()
        self.statuses = statuses

    def can_replace(self, message: Message) -> bool:  # an older poll result is superseded
        return isinstance(message, StatusUpdated)


@dataclass
class ActionProgress(Message):
    """A step of a running action (start/stop/...) on a node."""

    node: str
    text: str

    def __post_init__(self) -> None:
        super().__init__()


@dataclass
class ActionFinished(Message):
    action: str
    node: str | None
    ok: bool
    text: str

    def __post_init__(self) -> None:
        super().__init__()
