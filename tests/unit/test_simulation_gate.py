"""The load driver's bound on calls in flight (``simulation.gate.Gate``)."""

from __future__ import annotations

import asyncio

from simulation.gate import Gate


async def test_no_more_than_the_slots_hold_it_and_waiters_enter_in_arrival_order() -> None:
    gate, holding, most, entered = Gate(3), 0, 0, []

    async def hold(n: int) -> None:
        nonlocal holding, most
        async with gate:
            entered.append(n)
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0)
            holding -= 1

    await asyncio.gather(*(hold(n) for n in range(50)))

    assert most == 3
    assert entered == list(range(50))
    assert gate.waiting == 0


async def test_cancelled_waiters_leave_and_lose_no_slot() -> None:
    gate = Gate(2)
    release = asyncio.Event()

    async def hold() -> None:
        async with gate:
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    waiters = [asyncio.create_task(hold()) for _ in range(20_000)]
    await asyncio.sleep(0)
    assert gate.waiting == 20_000
    none_waiting = asyncio.create_task(gate.none_waiting())
    await asyncio.sleep(0)
    assert not none_waiting.done()

    for task in reversed(waiters):  # the worst order for a deque
        task.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    assert gate.waiting == 0
    await asyncio.wait_for(none_waiting, 1)  # the last to leave says so
    release.set()
    await asyncio.gather(*holders)

    async with gate, gate:  # both slots are free again
        pass


async def test_a_waiter_cancelled_as_it_is_handed_the_slot_passes_it_on() -> None:
    gate, order = Gate(1), []

    async def enter(name: str) -> None:
        async with gate:
            order.append(name)

    await gate.__aenter__()
    second = asyncio.create_task(enter("second"))
    third = asyncio.create_task(enter("third"))
    await asyncio.sleep(0)
    assert gate.waiting == 2
    await gate.__aexit__(None, None, None)  # hands the slot to "second", which has not run yet
    second.cancel()
    await asyncio.gather(second, third, return_exceptions=True)

    assert order == ["third"]
    assert gate.waiting == 0
