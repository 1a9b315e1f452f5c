"""Awaiting a condition with a deadline instead of sleeping a fixed time (docs/testing.md).

`wait_for` polls with `asyncio.sleep` (services, use cases, anything without an app);
`pilot_wait_for` polls with `pilot.pause`, so a Textual app under `run_test` keeps processing its
messages between checks.  A check is a plain or an async predicate.  Both return the seconds
waited and raise AssertionError naming what was awaited when the deadline passes.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

Check = Callable[[], "bool | Awaitable[bool]"]


async def _poll(what: str, check: Check, timeout: float, pause: Callable[[], Awaitable[Any]]) -> float:
    start = time.monotonic()
    deadline = start + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return time.monotonic() - start
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pause()


async def wait_for(what: str, check: Check, timeout: float = 30.0, *, interval: float = 0.1) -> float:
    """Until `check()` holds, asking every `interval` seconds."""
    return await _poll(what, check, timeout, lambda: asyncio.sleep(interval))


async def pilot_wait_for(
    pilot: Any, check: Check, timeout: float = 10.0, *, what: str = "the condition", interval: float = 0.05
) -> float:
    """Until `check()` holds, letting the app under `pilot` run for `interval` seconds between checks."""
    return await _poll(what, check, timeout, lambda: pilot.pause(interval))
