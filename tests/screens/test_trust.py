"""Operator trust with Pilot: read-only refusals, keymap overrides, palette, journal screen."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from textual.command import CommandPalette

from rocketui.app import RocketUI
from rocketui.screens.broker_config import BrokerConfigScreen
from rocketui.screens.help import HelpScreen
from rocketui.screens.journal import JournalScreen
from rocketui.screens.logs import LogsScreen
from rocketui.usecases.journal import Entry, Journal
from rocketui.widgets.confirm import ConfirmModal
from tests.support.fake_service import DEMO_STATUSES, TableService, demo_cluster
from tests.support.waits import pilot_wait_for


def make_app(read_only: bool = False) -> tuple[RocketUI, TableService]:
    cluster = demo_cluster()
    service = TableService(cluster, DEMO_STATUSES)
    app = RocketUI(cluster, read_only=read_only, service=service, poll_interval=0)
    app.animation_level = "none"
    return app, service


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_read_only_refuses_every_mutating_key_and_runs_nothing() -> None:
    app, service = make_app(read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        for key in ("s", "x", "r", "S", "X", "R"):
            await pilot.press("down", key)
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmModal), key
        messages = [n.message for n in app._notifications]
        assert len([m for m in messages if m.startswith("read-only mode")]) == 6
        backend = service.pool.get("local")
        assert backend.stats.commands == []
    assert not Path(os.environ["ROCKETUI_JOURNAL"]).exists()


async def test_keymap_override_from_the_config_file_changes_binding_and_help() -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "rocketui" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("keys:\n  main.journal: f7\n")
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")  # the default key no longer opens the journal
        await pilot.pause()
        assert not isinstance(app.screen, JournalScreen)
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, JournalScreen)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen._table()
        rows = list(zip(*(c._cells for c in table.columns), strict=False))
        assert ("Node table", "F7", "Action journal") in rows


async def test_palette_lists_node_actions_and_runs_them_with_confirmation() -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Stop broker-a")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "[broker-a] local: kill -TERM 4188" in app.screen.details


async def test_palette_on_the_log_view_lists_its_keys(tmp_path: Path) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogsScreen)
        from rocketui.screens.palette import ScreenCommands

        names = [name for name, _, _ in ScreenCommands(app.screen)._commands()]
        assert "Next ERROR/WARN" in names and "Wrap long lines" in names and "Stop broker-a" not in names


def _journal_entries() -> None:
    journal = Journal()
    cluster_file = os.path.abspath("/tmp/demo.yaml")
    base = 1_764_000_000.0
    journal.append(
        Entry(
            base,
            "ops",
            "DemoCluster",
            cluster_file,
            "start",
            "broker-a",
            "local",
            [
                "local: cd /tmp/rocketui-demo/broker-a && ROCKETMQ_HOME=/opt/rocketmq sh "
                "/opt/rocketmq/bin/mqbroker -c /etc/a.properties -n 127.0.0.1:9876 >>out 2>&1 &"
            ],
            [],
            "ok",
            6.2,
        )
    )
    journal.append(
        Entry(
            base + 60,
            "ops",
            "DemoCluster",
            cluster_file,
            "config save",
            "broker-a",
            "local",
            [],
            ["local: /etc/a.properties"],
            "ok",
            0.1,
        )
    )
    journal.append(
        Entry(
            base + 120,
            "ops",
            "DemoCluster",
            cluster_file,
            "stop",
            "broker-b",
            "local",
            ["local: kill -TERM 4242"],
            [],
            "error",
            30.4,
            "pid 4242 did not exit",
        )
    )
    journal.append(Entry(base + 180, "ops", "Other", "/elsewhere.yaml", "stop", "x", "h", [], [], "ok", 0.0))


@pytest.fixture
def utc():
    """Journal times are local time: pin the zone, and give it back afterwards."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


async def test_journal_screen_lists_this_cluster_newest_first_with_filter(utc: None) -> None:
    _journal_entries()
    app, _ = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        table = app.screen.query_one("#journal-table")
        assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)] == ["stop", "config save", "start"]
        await pilot.press("slash", *"kill")
        await pilot.pause()
        assert table.row_count == 1
        assert "did not exit" in str(app.screen.query_one("#journal-detail").render())


def test_journal_screen_snapshot(snap_compare, monkeypatch: pytest.MonkeyPatch, utc: None) -> None:
    import shutil

    fixed = Path("/tmp/rocketui-snapshot-journal")  # the journal path is on screen
    shutil.rmtree(fixed, ignore_errors=True)
    monkeypatch.setenv("ROCKETUI_JOURNAL", str(fixed / "journal.jsonl"))
    _journal_entries()
    app, _ = make_app()

    async def open_journal(pilot) -> None:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 24), run_before=open_journal)


async def test_read_only_form_refuses_to_save(tmp_path: Path) -> None:
    from tests.screens.test_config_forms import make_app as forms_app

    app = forms_app(tmp_path)
    app.ops.read_only = True
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        await pilot.press("down", "e")
        await pilot.pause(0.5)
        assert isinstance(app.screen, BrokerConfigScreen)
        app.screen.query_one("#f-fileReservedTime").value = "12"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert any("read-only" in n.message for n in app._notifications)


async def test_quit_while_an_action_runs_asks_first() -> None:
    import asyncio

    app, service = make_app()

    async def slow_start(node, **kw):  # a start that takes its time, like a broker's
        await asyncio.sleep(30)

    service.start = slow_start  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "s")  # broker-b: stopped in the table
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the start's confirm")
        await pilot.press("y")
        await pilot.pause(0.2)
        await pilot.press("q")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmModal) and app.screen.title_text == "Quit while busy"
        await pilot.press("escape")  # Cancel: keep working
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ConfirmModal) and app.return_code is None
        await pilot.press("q", "y")  # Quit: the app exits although the start still runs
        await pilot_wait_for(pilot, lambda: app.return_code is not None, what="the app to quit")
        assert app.return_code == 0


async def test_a_journal_that_cannot_be_written_is_shown_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The action's own result stays what it was; the journal failure is a separate warning."""
    from rocketui.usecases.gate import ActionRecord

    (tmp_path / "blocker").write_text("")
    monkeypatch.setenv("ROCKETUI_JOURNAL", str(tmp_path / "blocker" / "journal.jsonl"))
    app, _ = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)

        async def body(record: ActionRecord) -> str:
            return "done"

        assert await app.ops.gate.run("stop", "broker-a", "local", body) == "done"
        await pilot.pause()
        [note] = [n for n in app._notifications if n.title == "journal"]
        assert note.severity == "warning" and note.message.startswith("journal: could not record 'stop': ")
