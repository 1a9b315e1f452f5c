"""Waiting for many answers of one poll without letting a few late ones hold it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Grace:
    """How long the late ones get once nine in ten have answered: `factor` times as long as
    those took, at least `floor` seconds."""

    floor: float
    factor: float

    def after(self, elapsed: float) -> float:
        return max(self.floor, self.factor * elapsed)


# A one-shot poll (the CLI's `status`, a first frame): the late ones get as long again, since
# what is not in by then is shown as not answering.
PATIENT = Grace(0.3, 1.0)
# A poll that repeats and shows a late host's last rows meanwhile (marked "no answer yet"): a
# host that has just died must not cost it anything, and a slow one is in by the next poll.
QUICK = Grace(0.05, 0.1)


async def wait_most(tasks: Collection[asyncio.Future[Any]], wait: float, grace: Grace = PATIENT) -> float:
    """Until every task is done or `wait` passed; once nine in ten are done, the rest get only
    the `grace`.  With fewer than ten tasks every one gets the whole wait (one that failed at
    once is not "most answered" beside one busy peer).  Returns the seconds the late ones were
    given in all; the caller decides what a task still pending means."""
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
            deadline = min(deadline, time.monotonic() + grace.after(time.monotonic() - started))
    return deadline - started
