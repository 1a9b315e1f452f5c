from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Snapshots must not depend on the developer's terminal settings, nor on the machine's zone
# (the events pane and the journal show clock times).
os.environ.pop("NO_COLOR", None)
os.environ["TZ"] = "UTC"
time.tzset()

# No timing thresholds in unit tests: Hypothesis' per-example deadline would fail a property test
# on a busy 2-core machine although the property holds.
settings.register_profile("rocketui", deadline=None)
settings.load_profile("rocketui")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is alive once the tests are collected (pytest, Textual, the modules under test) lives
    as long as the worker: moved out of the collector's reach, so the full collections that
    each test's app sets off scan only what was made since.  They took ~16 s of each fast-subset
    worker's ~90 s (a gc callback counted 120-130 full collections per worker)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)  # after the module's own fixtures are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Likewise after each module: what its tests left alive (caches, a leaked app) is scanned
    once here, not by every later full collection (gc time per worker: ~16 s → ~6 s)."""
    if nextitem is None or getattr(nextitem, "module", None) is not getattr(item, "module", None):
        gc.collect()
        gc.freeze()


@pytest.fixture(autouse=True)
def private_journal_and_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never write the developer's journal or read their keymap/theme config."""
    base = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("ROCKETUI_JOURNAL", str(base / "journal.jsonl"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "state"))
    return base / "journal.jsonl"


@pytest.fixture
def jvm_reaper(tmp_path: Path) -> Iterator[Path]:
    """A temp dir whose JVMs are all stopped when the test ends, pass or fail."""
    from tests.support.rocketmq import kill_jvms_under

    yield tmp_path
    kill_jvms_under(str(tmp_path))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Last line of defence: no JVM started under this run's temp dirs outlives the run."""
    from tests.support.rocketmq import kill_jvms_under

    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        try:
            base = factory.getbasetemp()
        except (OSError, ValueError):
            return
        leaked = kill_jvms_under(str(base))
        if leaked:
            print(f"\nrocketui tests: stopped {len(leaked)} leaked JVM(s) under {base}: {leaked}")


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inputs do not blink in tests: a snapshot taken on a loaded machine caught the cursor in
    its hidden half-second (a one-cell difference); steady, it is always drawn."""
    from textual.widgets import Input

    monkeypatch.setattr(Input.__dict__["cursor_blink"], "_default", False)
