"""Main screen behaviour with a fixed status table (pure UI; the real thing is in
tests/screens/test_main_integration.py)."""

from __future__ import annotations

import pytest

from rocketui.app import RocketUI
from rocketui.reports.broker_load import LOAD_COLUMNS
from rocketui.screens.help import HelpScreen
from rocketui.widgets.confirm import ConfirmModal
from rocketui.widgets.node_table import TABLE_COLUMNS, NodeTable
from tests.support.fake_service import DEMO_STATUSES, NOW, TableService, demo_cluster


def make_app(read_only: bool = False) -> RocketUI:
    cluster = demo_cluster()
    app = RocketUI(cluster, read_only=read_only, service=TableService(cluster, DEMO_STATUSES), poll_interval=0)
    app.animation_level = "none"
    return app


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def freeze_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import rocketui.reports.status as fmt

    monkeypatch.setattr(fmt.time, "time", lambda: NOW)


async def test_table_rows_grouped_and_coloured(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(NodeTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[0] for r in rows] == ["namesrv-1", "broker-a", "broker-a-s", "broker-b"]
        broker_a = dict(zip(TABLE_COLUMNS, rows[1], strict=True))
        assert [broker_a[c] for c in ("state", "pid", "uptime", "registered", "note")] == [
            "running",
            "4188",
            "1h00m",
            "1/1",
            "",
        ]
        assert [broker_a[c] for c in LOAD_COLUMNS] == ["", "", ""]  # no figures without a poll of the brokers
        assert rows[3][TABLE_COLUMNS.index("state")] == "stopped"


async def test_stop_asks_and_cancel_is_default() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "broker-a" in app.screen.body and "[broker-a] local: kill -TERM 4188" in app.screen.details
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("enter")  # Enter on the default button = Cancel
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)


async def test_read_only_refuses_start() -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert any("read-only mode" in n.message for n in app._notifications)


async def test_help_lists_every_key() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


def _snap_app(monkeypatch: pytest.MonkeyPatch) -> RocketUI:
    freeze_clock(monkeypatch)
    return make_app()


async def _wait(pilot) -> None:
    await settle(pilot)


def test_snapshot_main(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:
    assert snap_compare(_snap_app(monkeypatch), terminal_size=(120, 24), run_before=_wait)


def test_snapshot_help(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:
    assert snap_compare(_snap_app(monkeypatch), terminal_size=(120, 32), press=["question_mark"], run_before=_wait)


def test_snapshot_confirm_stop(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:
    async def stop_pressed(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "x")
        await settle(pilot)  # the plan (exact commands) is worked out before the dialog opens

    assert snap_compare(_snap_app(monkeypatch), terminal_size=(120, 24), run_before=stop_pressed)


async def test_filter_and_sort_keep_the_cursor_on_its_node() -> None:
    from textual.widgets import Input

    from rocketui.widgets.node_table import NodeTable

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(NodeTable)
        await pilot.press("down", "down")
        assert table.selected_node is not None and table.selected_node.name == "broker-a-s"
        await pilot.press("slash", *"broker-a")
        await pilot.pause()
        assert table.shown_names == ["broker-a", "broker-a-s"]
        assert "2 of 4 nodes" in str(app.screen.query_one("#node-view").render())
        await pilot.press("enter")  # back to the table, filter kept
        assert table.selected_node is not None and table.selected_node.name == "broker-a-s"
        await pilot.press("o")  # sorted by host: same rows, cursor still on its node
        assert table.sort_key == "host" and table.selected_node.name == "broker-a-s"
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert table.shown_names == ["namesrv-1", "broker-a", "broker-a-s", "broker-b"]
        assert not app.screen.query_one("#node-filter", Input).display
        await pilot.press("o", "o")  # name, then state: what needs attention first
        assert table.sort_key == "state"
        assert table.shown_names[:2] == ["broker-a-s", "broker-b"]  # starting, stopped, then the running ones


async def test_a_node_logging_errors_makes_an_event_and_its_counts_show_under_the_table(tmp_path) -> None:
    """The real log use case on a broker.log written with a real 5.5.0 broker's bytes
    (tests/data/logs/5.5.0/broker.log): the first look notes its end, the second counts what came."""
    from pathlib import Path

    from textual.widgets import Static

    from rocketui.model.loader import parse_cluster
    from rocketui.screens.main import MainScreen
    from rocketui.widgets.event_pane import EventPane
    from tests.support.fake_service import DEMO

    real = (Path(__file__).resolve().parents[1] / "data" / "logs" / "5.5.0" / "broker.log").read_bytes()
    lines = real.splitlines(keepends=True)
    cluster = parse_cluster(DEMO.replace("/tmp/rocketui-demo", str(tmp_path)), str(tmp_path / "demo.yaml"))
    log = Path(cluster.log_dir(cluster.node("broker-a"))) / "broker.log"
    stopped = Path(cluster.log_dir(cluster.node("broker-b"))) / "broker.log"  # broker-b is stopped: not read
    for path in (log, stopped):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"".join(lines[:300]))
    app = RocketUI(cluster, service=TableService(cluster, DEMO_STATUSES), poll_interval=0)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.query_one(EventPane)
        before = pane.count
        await screen.look_at_logs().wait()
        await pilot.pause()
        assert pane.count == before  # the first look: nothing counted
        for path in (log, stopped):
            with open(path, "ab") as f:
                f.write(b"".join(lines[300:]))
        await screen.look_at_logs().wait()
        await pilot.pause()
        assert pane.count == before + 1  # broker-a's only
        said = "".join(segment.text for segment in pane.lines[-1])
        assert "broker-a: 3 ERROR, 1 WARN in the last " in said
        assert said.endswith(
            " — first: 2026-11-30 13:22:05 ERROR brokerOutApi_thread_2 - Failed to register current broker to "
            "name server. TargetHost=127.0.0.1:12020"
        )
        await pilot.press("down")  # broker-a
        await pilot.pause()
        detail = str(screen.query_one("#node-detail", Static).render())
        assert "broker.log: 3 ERROR, 1 WARN in the last " in detail


async def test_objects_alive_after_the_first_frame_are_frozen_when_asked() -> None:
    import gc

    app = make_app()
    app.freeze_startup_objects = True
    before = gc.get_freeze_count()
    try:
        async with app.run_test() as pilot:
            await settle(pilot)
            assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
    headless = make_app()
    async with headless.run_test() as pilot:
        await settle(pilot)
        assert headless.freeze_startup_objects is False and gc.get_freeze_count() == 0
