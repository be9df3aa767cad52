"""A burst of identical records (aiokafka while the broker is away) is cut to a few lines and a summary."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.analytics.bootstrap import build, create_app
from services.analytics.settings import AnalyticsSettings
from shared.observability.logging import RepeatLimit, configure_logging


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def kafka_error(node: int, at: float) -> logging.LogRecord:
    """What aiokafka logs, many times a second, while its broker is down (the node varies)."""
    record = logging.makeLogRecord(
        {
            "name": "aiokafka.conn",
            "levelno": logging.ERROR,
            "levelname": "ERROR",
            "msg": "Unable connect to node with id %s: [Errno 111] Connect call failed",
            "args": (node,),
        }
    )
    record.created = at
    return record


def test_a_burst_of_identical_records_gives_the_first_ones_and_one_summary() -> None:
    limit = RepeatLimit(limit=5, interval_s=60.0)
    start = 1_000_000.0

    passed = [r for r in (kafka_error(n % 3, start + n * 0.001) for n in range(40_000)) if limit.filter(r)]

    assert len(passed) == 6
    assert [r.getMessage() for r in passed[:5]] == [
        f"Unable connect to node with id {n % 3}: [Errno 111] Connect call failed" for n in range(5)
    ]
    assert "identical records suppressed for 60 s" in passed[5].getMessage()
    later = kafka_error(1, start + 61)
    assert limit.filter(later)
    assert "(39994 identical records were suppressed in the previous 60 s)" in later.getMessage()


def test_other_records_pass_while_one_floods() -> None:
    limit = RepeatLimit(limit=2, interval_s=60.0)
    for n in range(100):
        limit.filter(kafka_error(n, 5.0))
    other = logging.makeLogRecord(
        {"name": "kepuri.relay", "levelno": logging.WARNING, "msg": "relay: %s", "args": ("x",)}
    )
    other.created = 5.0

    assert limit.filter(other)
    assert other.getMessage() == "relay: x"


def test_the_service_log_summarises_a_flood_from_any_library(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", as_json=True, repeat_limit=3)
    aiokafka = logging.getLogger("aiokafka.conn")

    for node in range(1_000):
        aiokafka.error("Unable connect to node with id %s: [Errno 111] Connect call failed", node)
    logging.getLogger("kepuri.test").warning("still heard")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 5
    assert "suppressed" in lines[3]["event"]
    assert lines[4]["event"] == "still heard"
    assert all(line["service"] == "test" and line["timestamp"] for line in lines)  # rendered as usual


def test_the_repeat_limit_is_a_setting_of_every_service(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEPURI_LOG_REPEAT_LIMIT", "2")
    monkeypatch.setenv("KEPURI_LOG_REPEAT_INTERVAL_S", "30")
    monkeypatch.setenv("KEPURI_LOG_JSON", "true")
    settings = AnalyticsSettings(data_dir=tmp_path, environment="test")
    assert (settings.log_repeat_limit, settings.log_repeat_interval_s) == (2, 30.0)

    create_app(build(settings))  # builds the app as a service process does: logging configured from its settings

    [limit] = [f for h in logging.getLogger().handlers for f in h.filters if isinstance(f, RepeatLimit)]
    assert (limit.limit, limit.interval_s) == (2, 30.0)
    for node in range(100):
        logging.getLogger("aiokafka.conn").error("Unable connect to node with id %s", node)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 3 and "suppressed for 30 s" in lines[2]["event"], lines


@pytest.mark.parametrize(("name", "value"), [("KEPURI_LOG_REPEAT_LIMIT", "0"), ("KEPURI_LOG_REPEAT_INTERVAL_S", "0")])
def test_a_repeat_limit_that_would_silence_everything_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("KEPURI_").lower()):
        AnalyticsSettings(data_dir=tmp_path)
