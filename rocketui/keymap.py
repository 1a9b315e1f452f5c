"""Every key binding of rocketui as data: one table, from which screens take their BINDINGS
and the help screen is generated.  Users override keys by action id (see config)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    scope: str  # "global" | "main" | screen name
    action: str  # Textual action name on that scope's screen/app
    keys: str  # comma-separated Textual key names
    description: str
    show: bool = True  # in the footer
    mutating: bool = False  # refused in read-only mode

    @property
    def id(self) -> str:
        return f"{self.scope}.{self.action}"


KEYMAP: list[Key] = [
    Key("global", "help", "question_mark", "Help"),
    Key("global", "quit", "q", "Quit"),
    Key("global", "command_palette", "colon", "Commands", show=False),
    Key("main", "start", "s", "Start", mutating=True),
    Key("main", "stop", "x", "Stop", mutating=True),
    Key("main", "restart", "r", "Restart", mutating=True),
    Key("main", "start_all", "S", "Start all", mutating=True),
    Key("main", "stop_all", "X", "Stop all", mutating=True),
    Key("main", "rolling_restart", "R", "Rolling restart", mutating=True),
    Key("main", "refresh", "ctrl+r", "Refresh", show=False),
    Key("main", "acknowledge", "a", "Acknowledge crash", show=False),
    Key("main", "logs", "l", "Logs"),
    Key("main", "merged_logs", "L", "Merged logs"),
    Key("main", "edit_config", "e", "Edit properties"),
    Key("main", "edit_memory", "m", "JVM memory"),
    Key("main", "journal", "j", "Journal"),
    Key("main", "mqtest", "p", "Produce/consume test"),
    Key("main", "health", "h", "Cluster health"),
    Key("main", "topics", "t", "Topics"),
    Key("main", "groups", "g", "Consumer groups"),
    Key("main", "messages", "M", "Message lookup"),
    Key("main", "drain", "D", "Drain broker", mutating=True),
    Key("topics", "open", "enter", "Detail"),
    Key("topics", "filter", "slash", "Filter"),
    Key("topics", "toggle_system", "s", "System topics"),
    Key("topics", "create", "c", "Create", mutating=True),
    Key("topics", "update", "u", "Update", mutating=True),
    Key("topics", "delete", "d", "Delete", mutating=True),
    Key("topics", "refresh", "ctrl+r", "Refresh", show=False),
    Key("topics", "back", "escape", "Back"),
    Key("topic", "back", "escape", "Back"),
    Key("groups", "open", "enter", "Detail"),
    Key("groups", "filter", "slash", "Filter"),
    Key("groups", "refresh", "ctrl+r", "Refresh", show=False),
    Key("groups", "back", "escape", "Back"),
    Key("detail", "reset", "z", "Reset offsets", mutating=True),
    Key("detail", "refresh", "ctrl+r", "Refresh", show=False),
    Key("detail", "back", "escape", "Back"),
    Key("messages", "back", "escape", "Back"),
    Key("drain", "undrain", "u", "Undrain", mutating=True),
    Key("drain", "back", "escape", "Back"),
    Key("mqtest", "run", "f5", "Run", mutating=True),
    Key("mqtest", "quickstart_producer", "f6", "Quickstart Producer", mutating=True),
    Key("mqtest", "quickstart_consumer", "f7", "Quickstart Consumer"),
    Key("mqtest", "stop", "f8", "Stop"),
    Key("mqtest", "back", "escape", "Back"),
    Key("health", "refresh", "ctrl+r", "Refresh"),
    Key("health", "back", "escape", "Back"),
    Key("main", "copy_address", "c", "Copy address", show=False),
    Key("journal", "back", "escape", "Back"),
    Key("journal", "filter", "slash", "Filter"),
    Key("journal", "reload", "ctrl+r", "Reload", show=False),
    Key("config", "save", "ctrl+s", "Save", mutating=True),
    Key("config", "back", "escape", "Back"),
    Key("config", "remove_key", "delete", "Remove key"),
    Key("logs", "back", "escape", "Back"),
    Key("logs", "filter", "slash", "Filter"),
    Key("logs", "next_problem", "e", "Next ERROR/WARN"),
    Key("logs", "previous_problem", "E", "Prev ERROR/WARN"),
    Key("logs", "toggle_wrap", "w", "Wrap"),
    Key("logs", "pause", "p", "Pause/follow"),
    Key("logs", "follow", "f,G", "Follow (end)"),
    Key("logs", "reload_files", "ctrl+r", "Reload file list", show=False),
    Key("logs", "copy_line", "y", "Copy line", show=False),
]


def keys_for(scope: str) -> list[Key]:
    return [k for k in KEYMAP if k.scope == scope]


def display_key(keys: str) -> str:
    names = {"question_mark": "?", "ctrl+r": "Ctrl+R", "escape": "Esc", "slash": "/", "colon": ":", "enter": "Enter"}
    return ", ".join(names.get(k, k) for k in keys.split(","))
