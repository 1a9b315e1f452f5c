"""What the proxy and controller tests need besides a distribution: its 5.x parts (the proxy's jars
and launchers, assembled by `rocketui install`) and the official Python client (the virtualenv
scripts/test makes, or $ROCKETUI_GRPC_PYTHON).  Missing parts fail in CI and skip elsewhere, with
the command that provides them."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from rocketui.services.grpc_produce import CLIENT_PIN, DEFAULT_VENV, PYTHON_ENV
from tests.support.rocketmq import rocketmq_home
from tests.support.waits import wait_for


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def proxy_home() -> Path:
    home = rocketmq_home()
    if not (home / "bin" / "mqproxy").exists() or not any((home / "lib").glob("rocketmq-proxy-*.jar")):
        _missing(f"{home} has no proxy (an assembly older than the proxy support); run: rocketui install --home {home}")
    return home


def grpc_python() -> str:
    python = os.environ.get(PYTHON_ENV) or os.path.expanduser(f"{DEFAULT_VENV}/bin/python")
    if not os.path.exists(python):
        python = sys.executable
    ok = subprocess.run([python, "-c", "import rocketmq"], capture_output=True, timeout=120).returncode == 0
    if not ok:
        _missing(f"the official client is not installed for {python}: bash scripts/test installs {CLIENT_PIN}")
    return python


# proxies and controllers take their time: a longer bound, asked every 0.2 s
wait_until = partial(wait_for, timeout=60.0, interval=0.2)
