"""The periodic worker behind notification's reminders and receipt sweep: a failing round is logged
and the next one still comes; the first round waits an interval unless asked to run at start."""

from __future__ import annotations

import asyncio

import pytest

from shared.runtime.periodic import Periodic


async def ticks_until(ticks: list[int], count: int) -> None:
    async with asyncio.timeout(10):
        while len(ticks) < count:
            await asyncio.sleep(0.005)


async def test_a_failing_round_is_logged_and_the_next_one_comes(caplog: pytest.LogCaptureFixture) -> None:
    ticks: list[int] = []

    async def tick() -> None:
        ticks.append(len(ticks))
        if len(ticks) == 1:
            raise RuntimeError("the database is away")

    worker = Periodic("sweep", tick, 0.01, at_start=True)
    await worker.start()
    await ticks_until(ticks, 3)
    await worker.stop()
    assert "sweep failed" in caplog.text and "the database is away" in caplog.text
    after_stop = len(ticks)
    await asyncio.sleep(0.05)
    assert len(ticks) == after_stop  # stop ends the rounds


async def test_the_first_round_waits_an_interval_unless_at_start() -> None:
    ticks: list[int] = []

    async def tick() -> None:
        ticks.append(1)

    waiting = Periodic("sweep", tick, 3600)
    at_once = Periodic("reminders", tick, 3600, at_start=True)
    await waiting.start()
    await at_once.start()
    await ticks_until(ticks, 1)
    await asyncio.sleep(0.05)
    await waiting.stop()
    await at_once.stop()
    assert ticks == [1]  # only the one asked to run at start ran within the hour
