"""wait_most: the late answers of a poll get a grace once nine in ten are in."""

from __future__ import annotations

import asyncio

from rocketui.services.stragglers import STRAGGLER_GRACE, wait_most


async def _never() -> None:
    await asyncio.sleep(3600)


async def test_with_ten_or_more_the_late_one_gets_the_grace_not_the_wait() -> None:
    tasks = [asyncio.ensure_future(asyncio.sleep(0)) for _ in range(10)] + [asyncio.ensure_future(_never())]
    given = await asyncio.wait_for(wait_most(tasks, 60.0), 30)
    assert STRAGGLER_GRACE <= given < 60.0
    assert [t.done() for t in tasks] == [True] * 10 + [False]
    tasks[-1].cancel()


async def test_with_fewer_than_ten_every_one_gets_the_whole_wait() -> None:
    tasks = [asyncio.ensure_future(asyncio.sleep(0)) for _ in range(3)] + [asyncio.ensure_future(_never())]
    given = await wait_most(tasks, 0.5)
    assert given == 0.5
    assert not tasks[-1].done()
    tasks[-1].cancel()


async def test_all_in_ends_at_once() -> None:
    tasks = [asyncio.ensure_future(asyncio.sleep(0)) for _ in range(12)]
    await asyncio.wait_for(wait_most(tasks, 60.0), 30)
    assert all(t.done() for t in tasks)
