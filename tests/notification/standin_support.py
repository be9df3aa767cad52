"""Helpers for tests against the SMS stand-in: numbers, messages, serving an app with uvicorn on a
free port, the notification side of the callbacks (a receiver verifying them with the adapter's own
checks, as the service's routes do) and reading the stand-in's handsets and counters."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response

from harness.ports import free_port
from services.notification.channels.base import Outgoing
from services.notification.channels.signing import InvalidCallback
from services.notification.channels.sms import HttpSms, Inbound, RateLimiter, Receipt, SmsSettings

KEY_ID = "kepuri-test"
SECRET = "test-secret-0123456789"


def phone(ending: str = "9999") -> str:
    """A fresh mobile number with the given ending (9999 matches no failure rule)."""
    digits = "".join(str(secrets.randbelow(10)) for _ in range(10 - len(ending)))
    return f"1{digits}{ending}"


def outgoing(to: str | None = None, key: str | None = None, sign: str | None = "渭南市科学技术协会") -> Outgoing:
    return Outgoing(key=key or secrets.token_hex(8), to=to or phone(), text="感谢您参加全国科普日活动！", sign=sign)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}: {task}")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextmanager
def standin_process(port: int, log: Path, **settings: str) -> Iterator[str]:
    """The stand-in as an OS process (``python -m services.notification.standin``) on ``port``, with
    ``KEPURI_SMS_STANDIN_<NAME>`` settings; yields its base URL once it answers, stops it after."""
    env = {**os.environ, "KEPURI_SMS_STANDIN_PORT": str(port)}
    env.update({f"KEPURI_SMS_STANDIN_{name.upper()}": value for name, value in settings.items()})
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.notification.standin"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text(errors="replace")) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Receiver:
    """The notification side of the callbacks: what arrived verified, and how many were refused."""

    url: str = ""
    receipts: dict[str, Receipt] = field(default_factory=dict)
    inbound: list[Inbound] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def receipt_for(self, message_id: str, polls: int = 500) -> Receipt:
        for _ in range(polls):
            if message_id in self.receipts:
                return self.receipts[message_id]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no receipt for {message_id}; refused: {self.refused}")


def settings(base_url: str, **overrides: Any) -> SmsSettings:
    values: dict[str, Any] = {"base_url": base_url, "key_id": KEY_ID, "secret": SECRET, "rate_per_s": 0}
    values.update(overrides)
    return SmsSettings(**values)


def receiver_app(receiver: Receiver) -> FastAPI:
    verifier = HttpSms(settings("http://unused"))
    app = FastAPI()

    @app.post("/v1/sms/receipts")
    async def receipts(request: Request) -> Response:
        try:
            receipt = verifier.verify_receipt(request.headers, await request.body())
        except InvalidCallback as exc:
            receiver.refused.append(str(exc))
            return Response(status_code=401)
        receiver.receipts[receipt.provider_message_id] = receipt
        return Response(status_code=204)

    @app.post("/v1/sms/inbound")
    async def inbound(request: Request) -> Response:
        try:
            receiver.inbound.append(verifier.verify_inbound(request.headers, await request.body()))
        except InvalidCallback as exc:
            receiver.refused.append(str(exc))
            return Response(status_code=401)
        return Response(status_code=204)

    return app


async def handset(standin_url: str, to: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=standin_url) as client:
        response = await client.get("/v1/handsets", params={"to": to})
    response.raise_for_status()
    return list(response.json()["messages"])


async def stats(standin_url: str) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=standin_url) as client:
        return dict((await client.get("/v1/stats")).json())


@dataclass
class VirtualClock:
    """A clock for the rate limiter that never waits: ``sleep`` records when the caller would wake."""

    now: float = 1000.0
    wakeups: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.wakeups.append(self.now + seconds)

    def limiter(self, rate_per_s: float, burst: int = 1) -> RateLimiter:
        return RateLimiter(rate_per_s, burst, clock=self, sleep=self.sleep)

    @property
    def last_wakeup(self) -> float:
        """Seconds from now to the latest slot handed out (0 when nobody had to wait)."""
        return max(self.wakeups, default=self.now) - self.now
