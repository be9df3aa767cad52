"""The load driver: ``caught_up`` waits until every call due has been sent."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestServer

from simulation.driver import Driver


async def test_caught_up_returns_only_once_no_call_is_queued_for_a_slot() -> None:
    release = asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/slow", slow)
    async with TestServer(app) as server:
        driver = Driver({"registration": str(server.make_url(""))}, rate=1000.0, concurrency=1)
        try:
            calls = [asyncio.create_task(driver.call("registration", "GET", "/slow")) for _ in range(3)]
            while driver.in_flight < 1:
                await asyncio.sleep(0.01)
            waiting = asyncio.create_task(driver.caught_up())
            await asyncio.sleep(0.2)
            assert not waiting.done()  # one call in flight, two queued behind it

            release.set()
            await asyncio.wait_for(waiting, 5)
            assert [a.status for a in await asyncio.gather(*calls)] == [200, 200, 200]
        finally:
            await driver.close()


async def test_caught_up_returns_at_once_when_nothing_is_queued() -> None:
    driver = Driver({}, rate=1000.0, concurrency=4)
    await asyncio.wait_for(driver.caught_up(), 1)
