"""Waiting for many answers of one poll without letting a few late ones hold it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from typing import Any

STRAGGLER_GRACE = 0.3  # seconds the late ones get once nine in ten have answered


async def wait_most(tasks: Collection[asyncio.Future[Any]], wait: float) -> float:
    """Until every task is done or `wait` passed; once nine in ten are done, the rest get only as
    long again as those took (at least STRAGGLER_GRACE): a host that has just died costs the
    poll a moment, not the whole wait.  With fewer than ten tasks every one gets the whole wait
    (one that failed at once is not "most answered" beside one busy peer).  Returns the
    seconds the late ones were given in all; the caller decides what a task still pending means."""
    started = time.monotonic()
    pending = set(tasks)
    deadline = started + wait
    while pending:
        done, pending = await asyncio.wait(
            pending, timeout=max(0.0, deadline - time.monotonic()), return_when=asyncio.FIRST_COMPLETED
        )
        if not done:
            break
        if len(pending) <= len(tasks) // 10:
            grace = max(STRAGGLER_GRACE, time.monotonic() - started)
            deadline = min(deadline, time.monotonic() + grace)
    return deadline - started
