"""The rolling-restart key: asks first, listing the order (slaves before their master)."""

from __future__ import annotations

import pytest

from rocketui.app import RocketUI
from rocketui.widgets.confirm import ConfirmModal
from tests.support.fake_service import DEMO_STATUSES, TableService, demo_cluster


def make_app(read_only: bool = False) -> RocketUI:
    cluster = demo_cluster()
    app = RocketUI(cluster, read_only=read_only, service=TableService(cluster, DEMO_STATUSES), poll_interval=0)
    app.animation_level = "none"
    return app


async def test_R_confirms_with_the_order() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.title_text == "Rolling restart"
        assert app.screen.body.endswith(
            "\n  1. broker-a-s (SLAVE)\n  2. broker-a (ASYNC_MASTER)\n  3. broker-b (ASYNC_MASTER)"
        )
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)


async def test_R_refused_read_only() -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert any("read-only mode: rolling restart is disabled" in n.message for n in app._notifications)


async def test_R_runs_the_rolling_restart_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Static

    import rocketui.services.ha_status
    from rocketui.usecases.lifecycle import Lifecycle
    from tests.services.test_rolling import Recorder, cluster

    service = Recorder(cluster())
    monkeypatch.setattr(rocketui.services.ha_status, "ha_status", service.ha)
    monkeypatch.setattr(Lifecycle, "drain_steps", lambda self, progress=None: None)  # no brokers to drain here
    app = RocketUI(service.cluster, service=service, poll_interval=0)
    app.animation_level = "none"
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert service.calls[:2] == ["stop broker-a-s", "start broker-a-s"] and len(service.calls) == 12
        status = str(app.screen.query_one("#status-line", Static).render())
        assert "rolling restart done: broker-a-s, broker-a, broker-b-s, broker-b" in status
