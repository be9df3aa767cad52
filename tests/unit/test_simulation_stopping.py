"""Stopping ``kepuri simulate`` late in its season or while it settles: the season is still reported."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest

from simulation.lag import LagSampler
from simulation.run import _season, _settle_and_check


class NeverDrained:
    """A lag sampler whose consumers never catch up: settling waits out its whole patience."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self.patience: list[float] = []

    async def drained(self, within: float) -> bool:
        self.patience.append(within)
        self.waiting.set()
        await asyncio.Event().wait()
        return False


def settling(activities: int) -> tuple[asyncio.Task[Any], NeverDrained]:
    sampler = NeverDrained()
    simulation: Any = SimpleNamespace(season=SimpleNamespace(activities=[None] * activities, provinces=["61"]))
    task = asyncio.create_task(_settle_and_check({}, simulation, cast(LagSampler, sampler)))
    return task, sampler


async def test_a_stop_while_settling_gives_a_failed_settled_verdict_not_an_abort() -> None:
    task, sampler = settling(500_000)
    await sampler.waiting.wait()

    task.cancel()  # what SIGTERM or a first Ctrl-C does to the run
    verdict = await task

    assert (verdict.name, verdict.ok) == ("settled", False)
    assert "invariants were not checked" in verdict.detail
    assert sampler.patience == [5000.0]  # a national season's backlog is given 5,000 s


async def test_a_second_stop_while_settling_aborts() -> None:
    task, sampler = settling(20)
    await sampler.waiting.wait()

    task.cancel()
    task.cancel()  # a second Ctrl-C before the first was handled

    with pytest.raises(asyncio.CancelledError):
        await task
    assert sampler.patience == [180.0]


class BehindItsSeason:
    """A season whose clock has run past its last day while flows still queue for the driver."""

    def __init__(self, day: float) -> None:
        self.clock = SimpleNamespace(day=lambda: day)
        self.flows_running = 27
        self.running = asyncio.Event()
        self.stopped = False

    async def run(self) -> None:
        self.running.set()
        await asyncio.Event().wait()

    async def stop(self) -> None:
        self.stopped = True


async def test_a_stop_after_the_last_day_says_how_many_flows_were_behind_not_a_day_past_the_season() -> None:
    simulation = BehindItsSeason(58.1)
    task = asyncio.create_task(_season(cast(Any, simulation)))
    await simulation.running.wait()

    task.cancel()
    verdict = await task

    assert verdict is not None and (verdict.name, verdict.ok) == ("season-completed", False)
    assert verdict.detail.startswith("interrupted after the season's last day, 27 flows behind:")
    assert simulation.stopped


async def test_a_stop_within_the_season_names_its_day() -> None:
    simulation = BehindItsSeason(-3.5)
    task = asyncio.create_task(_season(cast(Any, simulation)))
    await simulation.running.wait()

    task.cancel()
    verdict = await task

    assert verdict is not None and verdict.detail.startswith("interrupted on season day -3.5:")
