"""The Textual application: screens, global keys, styles. Kept small on purpose."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import App
from textual.screen import Screen
from textual.timer import Timer

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
COLLECT_AFTER_CLOSE_SECONDS = 0.5  # a closed log view is collectable 0.2-0.35 s after its close
OPENING_SECONDS = 0.3  # a screen's compose, first layout and first lines (~40 ms) are over by then


@dataclass
class _TimerSlot:
    timer: Timer | None = None


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
            self._stack: list[weakref.ref[Screen[object]]] = []
            self._gc_resume = _TimerSlot()
            self._collect = _TimerSlot()
            self.screen_change_signal.subscribe(self, self._screens_moved, immediate=True)
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
        gc.enable()  # paused while a screen opened, if the app ends meanwhile
        await self.ops.close()

    def _screens_moved(self, screen: Screen[object]) -> None:
        """Keep Python's full collections out of the moments an operator waits for.

        A screen being opened allocates ~15k objects, enough to set off a full collection that
        stops its first paint for 50-140 ms (bench/log_tail.py): the collector is paused while a
        screen opens, as Textual pauses it while scrolling.  A closed screen leaves its widgets in
        reference cycles that only a full collection frees: that collection is made once the
        screens have stood still for a moment after the close, while the operator looks at the
        screen below, instead of at a random later moment with all the screens closed since."""
        open_now = {id(s) for s in self.screen_stack}
        opened = any(id(s) not in {id(r()) for r in self._stack} for s in self.screen_stack)
        closed = any((s := ref()) is not None and id(s) not in open_now for ref in self._stack)
        self._stack = [weakref.ref(s) for s in self.screen_stack]
        if opened:
            gc.disable()
            self._restart(self._gc_resume, OPENING_SECONDS, gc.enable)
        if closed or self._collect.timer is not None:  # screens still moving: wait for them to stand still
            self._restart(self._collect, COLLECT_AFTER_CLOSE_SECONDS, gc.collect)

    def _restart(self, slot: _TimerSlot, delay: float, callback: Callable[[], object]) -> None:
        if slot.timer is not None:
            slot.timer.stop()

        def fire() -> None:
            slot.timer = None
            callback()

        slot.timer = self.set_timer(delay, fire)


def _freeze_startup_objects() -> None:
    """What is alive once the first frame is drawn (Textual, the model, the screens) lives about
    as long as the app: moved out of the collector's reach, so a full collection while keys
    arrive scans only what was made since (they paused key handling 55-75 ms before; issue 18)."""
    gc.collect()
    gc.freeze()
