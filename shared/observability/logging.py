"""Structured logging (structlog) with the request's correlation id on every line."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def _add_correlation_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    value = correlation_id.get()
    if value is not None:
        event.setdefault("correlation_id", value)
    return event


def configure_logging(service: str, level: str = "INFO", as_json: bool = False) -> None:
    """Route structlog and the standard library's logging through one renderer.

    Lines carry the service name, a timestamp, the level and the current correlation id; JSON in
    production, readable key=value text on a terminal.
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
