"""Every key binding of rocketui as data: one table, from which screens take their BINDINGS
and the help screen is generated.  Users override keys by action id (see config)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    scope: str  # "global" | "main" | screen name
    action: str  # Textual action name on that scope's screen/app
    keys: str  # comma-separated Textual key names
    description: str  # what the help screen and the command palette say
    show: bool = True  # in the footer (in this order; the first ones fit at 80 columns)
    mutating: bool = False  # refused in read-only mode
    label: str = ""  # the footer's short word (default: the description)
    priority: bool = False  # works even where a text field has the focus

    @property
    def id(self) -> str:
        return f"{self.scope}.{self.action}"

    @property
    def footer(self) -> str:
        return self.label or self.description


# Every screen's footer starts with the help key, so `?` is visible at 80 columns everywhere.
SCREEN_SCOPES = (
    "main",
    "logs",
    "config",
    "mqtest",
    "health",
    "journal",
    "topics",
    "topic",
    "groups",
    "detail",
    "messages",
    "drain",
)

KEYMAP: list[Key] = [
    Key("global", "help", "question_mark,f1", "Help (every key)", label="Help"),
    Key("global", "quit", "q", "Quit (nodes keep running)", label="Quit"),
    Key("global", "command_palette", "ctrl+p", "Command palette", show=False, priority=True),
    Key("global", "command_palette_colon", "colon", "Command palette", show=False),
    Key("main", "start", "s", "Start the node", mutating=True, label="Start"),
    Key("main", "stop", "x", "Stop the node", mutating=True, label="Stop"),
    Key("main", "logs", "l", "Logs of the node", label="Logs"),
    Key("main", "edit_config", "e", "Edit broker properties", label="Props"),
    Key("main", "edit_memory", "m", "JVM memory", label="Memory"),
    Key("main", "mqtest", "p", "Produce/consume test", label="Test"),
    Key("main", "health", "h", "Cluster health", label="Health"),
    Key("main", "restart", "r", "Restart the node", mutating=True, label="Restart"),
    Key("main", "start_all", "S", "Start all (namesrvs, masters, slaves)", mutating=True, label="Start all"),
    Key("main", "stop_all", "X", "Stop all (in reverse order)", mutating=True, label="Stop all"),
    Key("main", "rolling_restart", "R", "Rolling restart of the brokers", mutating=True, label="Rolling"),
    Key("main", "merged_logs", "L", "Every node's log merged by time", label="Merged logs"),
    Key("main", "journal", "j", "Action journal", label="Journal"),
    Key("main", "topics", "t", "Topics", label="Topics"),
    Key("main", "groups", "g", "Consumer groups and lag", label="Groups"),
    Key("main", "messages", "M", "Message lookup (id or key)", label="Msg"),
    Key("main", "drain", "D", "Drain the broker (no new writes)", mutating=True, label="Drain"),
    Key("main", "filter", "slash", "Filter the nodes (name, host, role, broker group, state)", label="Filter"),
    Key("main", "sort", "o", "Sort by group, host, name, state, uptime, put tps, disk, behind", label="Sort"),
    Key("main", "abort", "escape", "Stop issuing more starts/stops of start all / stop all", show=False),
    Key("main", "acknowledge", "a", "Acknowledge a crash", show=False),
    Key("main", "copy_address", "c", "Copy the node's address", show=False),
    Key("main", "refresh", "ctrl+r", "Refresh now", show=False),
    Key("topics", "filter", "slash", "Filter", label="Filter"),
    Key("topics", "open", "enter", "Detail: queues, offsets, groups", label="Detail"),
    Key("topics", "create", "c", "Create a topic", mutating=True, label="Create"),
    Key("topics", "update", "u", "Update the topic", mutating=True, label="Update"),
    Key("topics", "delete", "d", "Delete the topic", mutating=True, label="Delete"),
    Key("topics", "toggle_system", "s", "Show/hide system topics", label="System"),
    Key("topics", "back", "escape", "Back", label="Back"),
    Key("topics", "refresh", "ctrl+r", "Refresh now", show=False),
    Key("topic", "back", "escape", "Back", label="Back"),
    Key("groups", "filter", "slash", "Filter", label="Filter"),
    Key("groups", "open", "enter", "Detail: clients, lag per queue", label="Detail"),
    Key("groups", "back", "escape", "Back", label="Back"),
    Key("groups", "refresh", "ctrl+r", "Refresh now", show=False),
    Key("detail", "reset", "z", "Reset the group's offsets", mutating=True, label="Reset"),
    Key("detail", "back", "escape", "Back", label="Back"),
    Key("detail", "refresh", "ctrl+r", "Refresh now", show=False),
    Key("messages", "back", "escape", "Back", label="Back"),
    Key("drain", "undrain", "u", "Undrain (writable again)", mutating=True, label="Undrain"),
    Key("drain", "back", "escape", "Back", label="Back"),
    Key("mqtest", "run", "f5", "Run the test", mutating=True, label="Run"),
    Key("mqtest", "stop", "f8", "Stop", label="Stop"),
    Key("mqtest", "quickstart_producer", "f6", "Quickstart Producer", mutating=True, label="QS producer"),
    Key("mqtest", "quickstart_consumer", "f7", "Quickstart Consumer", label="QS consumer"),
    Key("mqtest", "back", "escape", "Back", label="Back"),
    Key("health", "refresh", "ctrl+r", "Refresh now", label="Refresh"),
    Key("health", "back", "escape", "Back", label="Back"),
    Key("journal", "filter", "slash", "Filter", label="Filter"),
    Key("journal", "back", "escape", "Back", label="Back"),
    Key("journal", "reload", "ctrl+r", "Reload", show=False),
    Key("config", "save", "ctrl+s", "Save (shows the diff first)", mutating=True, label="Save"),
    Key("config", "back", "escape", "Back (asks when there are unsaved changes)", label="Back"),
    Key("config", "remove_key", "delete", "Remove the highlighted key", label="Remove key"),
    Key("logs", "filter", "slash", "Filter (regex)", label="Filter"),
    Key("logs", "next_problem", "e", "Next ERROR/WARN", label="Next err"),
    Key("logs", "previous_problem", "E", "Previous ERROR/WARN", label="Prev err"),
    Key("logs", "pause", "p", "Pause/follow", label="Pause"),
    Key("logs", "follow", "f,G", "Follow (jump to the end)", label="Follow"),
    Key("logs", "toggle_wrap", "w", "Wrap long lines", label="Wrap"),
    # times in the host's zone (the journal's clock) or as the log wrote them; the header names both
    Key("logs", "toggle_zone", "z", "Times: host zone / as the log wrote them", label="Zone", show=False),
    Key("logs", "back", "escape", "Back", label="Back"),
    Key("logs", "reload_files", "ctrl+r", "Reload the file list", show=False),
    Key("logs", "copy_line", "y", "Copy the line", show=False),
]


def keys_for(scope: str) -> list[Key]:
    return [k for k in KEYMAP if k.scope == scope]


_NAMES = {"question_mark": "?", "escape": "Esc", "slash": "/", "colon": ":", "delete": "Del", "enter": "Enter"}


def display_key(keys: str) -> str:
    """How the help screen writes keys: 'Ctrl+S', 'F5', 'Esc', '?', 'S' (shift is the capital)."""

    def one(key: str) -> str:
        if key in _NAMES:
            return _NAMES[key]
        *mods, base = key.split("+")
        base = _NAMES.get(base, base.upper() if len(base) > 1 or mods else base)
        return "+".join([*(m.capitalize() for m in mods), base])

    return ", ".join(one(k) for k in keys.split(","))
