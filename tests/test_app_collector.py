"""The app keeps Python's full collections out of a screen's opening and collects a closed
screen soon after its close (as in a real terminal: `freeze_startup_objects`)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from rocketui.app import RocketUI
from rocketui.screens.help import HelpScreen
from tests.support.fake_service import TableService, demo_cluster
from tests.support.waits import pilot_wait_for


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as the test found it, whatever the app did to it."""
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    # the app froze what was alive (its own widgets too): everything alive frozen again, as the
    # suite keeps it (tests/conftest.py), the app's garbage collected
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def make_app() -> RocketUI:
    cluster = demo_cluster()
    app = RocketUI(cluster, service=TableService(cluster, {}), poll_interval=0)
    app.freeze_startup_objects = True  # what a real terminal run does
    return app


async def test_opening_pauses_the_collector_and_a_closed_screen_is_collected(collector: None) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.isenabled()
        help_screen = HelpScreen()
        closed = weakref.ref(help_screen)
        app.push_screen(help_screen)
        assert not gc.isenabled()  # paused from the push on
        await pilot_wait_for(pilot, gc.isenabled)  # and back once the screen has opened
        del help_screen
        app.pop_screen()
        # the closed screen sits in reference cycles: only a full collection frees it, made by
        # the app once the screens stand still (the test itself never collects)
        gc.disable()
        await pilot_wait_for(pilot, lambda: closed() is None, timeout=5)
        assert not gc.isenabled()  # the app's collection is an explicit one, not a re-enabled collector
