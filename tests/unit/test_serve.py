"""How a service is served: an idle keep-alive connection outlives a pooling client's idle timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from harness.ports import free_port
from services.registration.settings import RegistrationSettings
from shared.runtime.serve import uvicorn_options

REQUEST = b"GET /ping HTTP/1.1\r\nHost: kepuri\r\n\r\n"


@asynccontextmanager
async def serving(settings: RegistrationSettings) -> AsyncIterator[None]:
    app = FastAPI()
    app.get("/ping")(lambda: {"ok": True})
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(settings)))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def reused_after(idle_s: float, port: int) -> bool:
    """Whether one connection answers a second request after ``idle_s`` seconds of silence."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(REQUEST)
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        await reader.readexactly(len(b'{"ok":true}'))
        await asyncio.sleep(idle_s)
        writer.write(REQUEST)
        return (await reader.read(12)).startswith(b"HTTP/1.1 200")  # b"" once the server has closed it
    except ConnectionError:
        return False
    finally:
        writer.close()


async def test_a_connection_idle_for_longer_than_uvicorns_default_is_still_served(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path, port=free_port())
    assert settings.http_keep_alive_s > 60  # what nginx upstreams and most load balancers keep idle
    async with serving(settings):
        assert await reused_after(6.0, settings.port)  # uvicorn's default of 5 s would have closed it


async def test_the_server_closes_a_connection_idle_for_longer_than_its_keep_alive(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path, port=free_port(), http_keep_alive_s=1)
    async with serving(settings):
        assert not await reused_after(2.0, settings.port)
