"""Logged errors: plain tracebacks without the frames' locals, and each request error logged once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from harness.ports import free_port
from shared.observability.logging import configure_logging
from shared.web.problems import install_problem_handlers

SECRET = "hunter2-不可外泄"


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def fail_with_a_secret_in_scope() -> None:
    password = SECRET  # a local the traceback must not print
    raise ValueError(f"bad input of length {len(password)}")


def log_the_failure() -> None:
    try:
        fail_with_a_secret_in_scope()
    except ValueError:
        logging.getLogger("kepuri.test").exception("unhandled error")


def test_console_lines_carry_a_plain_traceback_without_locals(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test")

    log_the_failure()

    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "ValueError: bad input of length" in err
    assert "fail_with_a_secret_in_scope" in err
    assert SECRET not in err
    assert "╭" not in err  # no rich panel


def test_json_lines_carry_the_traceback_as_text_without_locals(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", as_json=True)

    log_the_failure()

    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "unhandled error"
    assert line["service"] == "test"
    assert "Traceback (most recent call last)" in line["exception"]
    assert SECRET not in json.dumps(line, ensure_ascii=False)


async def test_an_unhandled_request_error_is_answered_500_and_logged_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("test")
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/fail")
    async def fail() -> None:
        fail_with_a_secret_in_scope()

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await client.post("/fail", json={"password": SECRET})
    finally:
        server.should_exit = True
        await serving

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    err = capsys.readouterr().err
    assert err.count("Traceback (most recent call last)") == 1
    assert "unhandled error" in err
    assert SECRET not in err
