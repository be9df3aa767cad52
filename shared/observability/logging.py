"""Structured logging (structlog) with the request's correlation id on every line.

Repeated records are limited (:class:`RepeatLimit`): a broker that goes away made aiokafka log the
same error some 40,000 times in 90 s, burying everything else and costing CPU.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def _add_correlation_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    value = correlation_id.get()
    if value is not None:
        event.setdefault("correlation_id", value)
    return event


@dataclass
class _Window:
    started: float
    passed: int = 0
    suppressed: int = 0


class RepeatLimit(logging.Filter):
    """Let through the first ``limit`` identical records per ``interval_s``, then one summary line.

    Records are identical when they come from the same logger at the same level with the same
    message template (``record.msg`` before its arguments: a reconnect error naming another
    attempt or node is the same error). Past ``limit`` in one interval, the next record is let
    through once more, marked as the last one shown, and the rest are dropped and counted; the
    first identical record of a later interval says how many were dropped. Time is the records'
    own (``record.created``), so the filter needs no clock of its own.
    """

    def __init__(self, limit: int = 5, interval_s: float = 60.0) -> None:
        super().__init__()
        self.limit = limit
        self.interval_s = interval_s
        self._windows: dict[tuple[str, int, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str):  # structlog's own records (an event dict): never floods here
            return True
        key = (record.name, record.levelno, record.msg)
        window = self._windows.get(key)
        if window is None or record.created - window.started >= self.interval_s:
            if len(self._windows) > 10_000:  # bounded: messages that vary by template do not pile up
                self._windows.clear()
            earlier = window.suppressed if window is not None else 0
            window = self._windows[key] = _Window(record.created)
            if earlier:
                _append(record, f"({earlier} identical records were suppressed in the previous {self.interval_s:g} s)")
        window.passed += 1
        if window.passed <= self.limit:
            return True
        if window.passed == self.limit + 1:
            _append(
                record, f"(repeated {self.limit + 1} times; identical records suppressed for {self.interval_s:g} s)"
            )
            return True
        window.suppressed += 1
        return False


def _append(record: logging.LogRecord, note: str) -> None:
    record.msg, record.args = f"{record.getMessage()} {note}", None


def configure_logging(
    service: str, level: str = "INFO", as_json: bool = False, repeat_limit: int = 5, repeat_interval_s: float = 60.0
) -> None:
    """Route structlog and the standard library's logging through one renderer.

    Lines carry the service name, a timestamp, the level and the current correlation id; JSON in
    production, readable key=value text on a terminal. Identical records beyond ``repeat_limit``
    per ``repeat_interval_s`` are summarised (:class:`RepeatLimit`), whichever library logs them.
    """
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_correlation_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Tracebacks as the standard library writes them: rich's pretty ones print every frame's locals
    # (request bodies, passwords, tokens) and cost seconds of CPU each, which under overload turned
    # a burst of errors into an outage.
    renderer: list[structlog.types.Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if as_json
        else [structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            lambda _l, _m, event: {"service": service, **{k: v for k, v in event.items() if k != "color_message"}},
            *renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatLimit(repeat_limit, repeat_interval_s))  # on the handler: it sees every logger's records
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").addFilter(_not_logged_twice)


def _not_logged_twice(record: logging.LogRecord) -> bool:
    """Drop uvicorn's copy of an unhandled request error: the problem handler has logged it already.

    Starlette answers the 500 through the app's handler (which logs with the request's correlation
    id) and then re-raises, so that uvicorn would print the same traceback a second time.
    """
    return record.getMessage().strip() != "Exception in ASGI application"
