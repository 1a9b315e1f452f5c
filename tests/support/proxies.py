"""What the proxy and controller tests need besides a distribution: its 5.x parts (the proxy's jars
and launchers, assembled by `rocketui install`) and the official Python client (the virtualenv
scripts/test makes, or $ROCKETUI_GRPC_PYTHON).  Missing parts fail in CI and skip elsewhere, with
the command that provides them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from rocketui.services.grpc_produce import CLIENT_PIN, DEFAULT_VENV, PYTHON_ENV
from tests.support.rocketmq import rocketmq_home


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


async def wait_until(what: str, check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out after {timeout:g}s waiting for {what}"
        await asyncio.sleep(0.2)
