"""The Textual application: screens, global keys, styles. Kept small on purpose."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.app import App

from rocketui.model.cluster import Cluster
from rocketui.screens.bindings import bindings
from rocketui.screens.help import HelpScreen
from rocketui.screens.main import MainScreen
from rocketui.screens.palette import ScreenCommands
from rocketui.services.nodes import NodeService
from rocketui.text import inert
from rocketui.usecases.operations import Operations
from rocketui.user_config import load_user_config, remember_theme
from rocketui.widgets.confirm import ConfirmModal

STYLES = Path(__file__).parent / "styles"
# worker groups that change something: quitting while one runs asks first
BUSY_GROUPS = frozenset({"actions", "config-save", "config-live", "mqtest", "quickstart"})


class RocketUI(App[int]):
    CSS_PATH = sorted(STYLES.glob("*.tcss"))
    BINDINGS = bindings("global")
    COMMANDS = App.COMMANDS | {ScreenCommands}
    TITLE = "rocketui"

    def __init__(
        self,
        cluster: Cluster,
        *,
        read_only: bool = False,
        ops: Operations | None = None,
        service: NodeService | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        """`service` replaces the node service (tests give one with a fixed status table)."""
        super().__init__()
        self.cluster = cluster
        self.ops = ops or Operations(cluster, read_only=read_only or None, nodes=service)
        if read_only:
            self.ops.read_only = True
        # the journal failing is shown apart from the action's own result (which it never replaces)
        self.ops.gate.on_journal_error.append(
            lambda message: self.notify(inert(message), title="journal", severity="warning", markup=False, timeout=15)
        )
        self.ops.on_notice.append(
            lambda message: self.notify(inert(message), title="host key", severity="warning", markup=False, timeout=30)
        )
        self.poll_interval = poll_interval
        self.user_config = load_user_config()
        self.keymap_overrides: dict[str, str] = dict(self.user_config.keys)
        self.set_keymap(self.keymap_overrides)
        self.sub_title = f"{cluster.name} · {cluster.source}"

    # None: in a real terminal only (benches set it as a terminal run would)
    freeze_startup_objects: bool | None = None

    def on_mount(self) -> None:
        if self.user_config.theme:
            if self.user_config.theme in self.available_themes:
                self.theme = self.user_config.theme
            else:
                self.user_config.problems.append(
                    f"unknown theme {self.user_config.theme!r}; themes: " + ", ".join(sorted(self.available_themes))
                )
        self.theme_changed_signal.subscribe(self, lambda theme: remember_theme(theme.name))
        self.push_screen(MainScreen(self.ops, poll_interval=self.poll_interval))
        if self.freeze_startup_objects is None:
            self.freeze_startup_objects = not self.is_headless  # not in every Pilot test
        if self.freeze_startup_objects:
            self.call_after_refresh(_freeze_startup_objects)
        for problem in self.user_config.problems:
            self.notify(problem, title="settings", severity="warning", timeout=15)

    async def action_quit(self) -> None:
        """Quit; if a change is under way (a start, stop, save, test), ask first: quitting
        interrupts it (nodes themselves keep running either way)."""
        busy = [w for w in self.workers if w.group in BUSY_GROUPS and w.is_running]
        if not busy:
            self.exit()
            return
        what = ", ".join(sorted({w.name or w.group for w in busy}))
        self.push_screen(
            ConfirmModal(
                "Quit while busy",
                f"Still running: {what}. Quitting interrupts it; a node "
                "may be left half-started or half-stopped (check with status).",
                confirm_label="Quit",
            ),
            lambda ok: self.exit() if ok else None,
        )

    def action_command_palette_colon(self) -> None:
        """`:` opens the palette too (k9s habit); Ctrl+P also works where a text field has focus."""
        self.action_command_palette()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def on_unmount(self) -> None:
        await self.ops.close()


def _freeze_startup_objects() -> None:
    """What is alive once the first frame is drawn (Textual, the model, the screens) lives about
    as long as the app: moved out of the collector's reach, so a full collection while keys
    arrive scans only what was made since (they paused key handling 55-75 ms before; issue 18)."""
    gc.collect()
    gc.freeze()
