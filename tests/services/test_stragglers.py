"""wait_most: the late answers of a poll get a grace once nine in ten are in."""

from __future__ import annotations

import asyncio

from rocketui.services.stragglers import PATIENT, QUICK, Grace, wait_most


async def _never() -> None:
    await asyncio.sleep(3600)


async def test_with_ten_or_more_the_late_one_gets_the_grace_not_the_wait() -> None:
    tasks = [asyncio.ensure_future(asyncio.sleep(0)) for _ in range(10)] + [asyncio.ensure_future(_never())]
    given = await asyncio.wait_for(wait_most(tasks, 60.0), 30)
    assert PATIENT.floor <= given < 60.0
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


def test_the_quick_grace_is_a_fraction_of_what_the_others_took() -> None:
    # the others took 2 s: the patient grace gives the late ones as long again, the quick one a
    # tenth of it; neither less than its floor
    assert PATIENT.after(2.0) == 2.0 and QUICK.after(2.0) == 0.2
    assert PATIENT.after(0.05) == PATIENT.floor and QUICK.after(0.2) == QUICK.floor
    assert QUICK.floor < PATIENT.floor


async def test_the_late_ones_get_the_grace_given() -> None:
    tasks = [asyncio.ensure_future(asyncio.sleep(0)) for _ in range(10)] + [asyncio.ensure_future(_never())]
    given = await asyncio.wait_for(wait_most(tasks, 3600.0, Grace(0.0, 0.0)), 30)
    assert given < PATIENT.floor and not tasks[-1].done()  # the grace given, not the patient one
    tasks[-1].cancel()
