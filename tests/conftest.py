from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Snapshots must not depend on the developer's terminal settings.
os.environ.pop("NO_COLOR", None)


@pytest.fixture
def jvm_reaper(tmp_path: Path) -> Iterator[Path]:
    """A temp dir whose JVMs are all stopped when the test ends, pass or fail."""
    from tests.support.rocketmq import kill_jvms_under

    yield tmp_path
    kill_jvms_under(str(tmp_path))
