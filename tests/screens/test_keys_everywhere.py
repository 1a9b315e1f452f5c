"""What a new user needs on every screen: Ctrl+P opens the command palette (a form's text field
included), the key bar shows `?` and the screen's main keys at 80 columns, and Esc never throws
away unsaved edits without asking."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Footer

from rocketui.screens.broker_config import BrokerConfigScreen
from rocketui.screens.health import HealthScreen
from rocketui.screens.journal import JournalScreen
from rocketui.screens.jvm_form import JvmMemoryScreen
from rocketui.screens.logs import LogsScreen
from rocketui.screens.main import MainScreen
from rocketui.screens.mqtest import MqTestScreen
from rocketui.widgets.confirm import ConfirmModal
from tests.screens.test_config_forms import field, make_app, open_form
from tests.support.waits import pilot_wait_for

SCREENS = {
    "main": ((), MainScreen),
    "properties form": (("down", "e"), BrokerConfigScreen),
    "memory form": (("down", "m"), JvmMemoryScreen),
    "logs": (("l",), LogsScreen),
    "test panel": (("p",), MqTestScreen),
    "health": (("h",), HealthScreen),
    "journal": (("j",), JournalScreen),
}


async def open_screen(pilot, keys: tuple[str, ...], kind: type) -> None:
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
    await pilot_wait_for(pilot, lambda: isinstance(pilot.app.screen, kind))
    await pilot.pause()


@pytest.mark.parametrize("name", list(SCREENS))
async def test_ctrl_p_opens_the_palette_on_every_screen(name: str, tmp_path: Path) -> None:
    keys, kind = SCREENS[name]
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_screen(pilot, keys, kind)
        await pilot.press("ctrl+p")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))


async def test_ctrl_p_works_while_a_form_field_has_the_focus(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        assert app.focused is field(screen, "brokerClusterName")
        await pilot.press("ctrl+p")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert field(screen, "brokerClusterName").value == "TestCluster"  # nothing typed into it


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("main", ["Help", "Start", "Stop", "Logs", "Props", "Memory", "Test"]),
        ("logs", ["Help", "Filter", "Next err", "Prev err", "Pause"]),
        ("properties form", ["Help", "Save", "Back"]),
        ("test panel", ["Help", "Run", "Stop"]),
        ("health", ["Help", "Refresh", "Back"]),
        ("journal", ["Help", "Filter", "Back"]),
    ],
)
async def test_the_key_bar_at_80_columns_starts_with_help(name: str, wanted: list[str], tmp_path: Path) -> None:
    keys, kind = SCREENS[name]
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, keys, kind)
        footer = app.screen.query_one(Footer)
        visible = [c for c in footer.query("FooterKey") if c.region.right <= 80 and c.region.width > 0]
        labels = [c.description for c in visible]
        assert labels[: len(wanted)] == wanted, labels


async def test_escape_with_unsaved_edits_asks_and_cancel_keeps_them(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        field(screen, "fileReservedTime").value = "24"
        await pilot.pause()
        await pilot.press("escape")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "not saved" in str(app.screen.body)
        await pilot.press("escape")  # Cancel is the default: the form and the edit stay
        await pilot_wait_for(pilot, lambda: app.screen is screen)
        assert field(screen, "fileReservedTime").value == "24"
        await pilot.press("escape")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")  # discard
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
    assert "fileReservedTime" not in (tmp_path / "broker-a.properties").read_text()


async def test_escape_without_edits_just_goes_back(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_form(pilot, "e", BrokerConfigScreen)
        await pilot.press("escape")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
