"""The stand-in provider's FastAPI app (see the package docstring for what it does)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

from ..channels.signing import InvalidCallback, NonceCache, verify_signed
from ..channels.sms import BATCH_LIMIT, BATCH_PATH, SEND_PATH
from .callbacks import Callbacks
from .rules import FailureRules
from .state import Ledger

MESSAGE_FIELDS = ("to", "text", "sign", "client_ref")


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return _json({"code": code, "message": message}, status)


def _json_body(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _fields(body: bytes | Any, names: tuple[str, ...]) -> dict[str, str] | None:
    """The named non-empty string fields of a JSON object (or body), or None when any is missing."""
    data = _json_body(body) if isinstance(body, bytes) else body
    if not isinstance(data, dict):
        return None
    values = {name: data.get(name) for name in names}
    if not all(isinstance(value, str) and value for value in values.values()):
        return None
    return {name: str(value) for name, value in values.items()}


def create_standin(
    secret: str,
    key_id: str,
    receipts_url: str | None,
    *,
    receipt_delay_s: float = 0.05,
    failures: FailureRules | None = None,
    inbound_url: str | None = None,
    max_skew_s: int = 300,
    callback_attempts: int = 4,
    callback_backoff_s: float = 0.1,
    max_messages: int = 100_000,
) -> FastAPI:
    """A stand-in SMS provider for the key pair (``key_id``, ``secret``).

    Receipts go to ``receipts_url`` (none when None) ``receipt_delay_s`` after a send; simulated
    replies go to ``inbound_url``. ``failures`` defaults to :class:`FailureRules` ()'s endings. It
    remembers at most ``max_messages`` messages (the oldest are forgotten).
    """
    rules = failures if failures is not None else FailureRules()
    ledger = Ledger(max_messages)
    nonces = NonceCache(max_skew_s * 2)
    callbacks = Callbacks(
        key_id,
        secret,
        receipts_url,
        inbound_url,
        ledger.stats,
        receipt_delay_s=receipt_delay_s,
        attempts=callback_attempts,
        backoff_s=callback_backoff_s,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await callbacks.aclose()

    app = FastAPI(title="Kepuri SMS stand-in", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.ledger = ledger
    app.state.callbacks = callbacks

    def verified(request: Request, body: bytes) -> Response | None:
        """None when the request is signed by our key pair; else the 401 to answer."""
        try:
            verify_signed(
                request.headers,
                body,
                method="POST",
                path=request.url.path,
                key_id=key_id,
                secret=secret,
                max_skew_s=max_skew_s,
                nonces=nonces,
            )
        except InvalidCallback as exc:
            ledger.stats["unauthorized"] += 1
            return _error(401, "unauthorized", str(exc))
        return None

    def take(fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """One message: its status and answer (as a single send would have it)."""
        client_ref, to = fields["client_ref"], fields["to"]
        known = ledger.by_ref.get(client_ref)
        if known is not None:
            ledger.stats["duplicates"] += 1
            return 200, {"message_id": known.message_id, "duplicate": True}
        permanent = rules.permanent_for(to)
        if permanent is not None:
            ledger.stats["rejected"] += 1
            return 400, {"code": permanent[0], "message": permanent[1]}
        transient = rules.transient_for(to)
        if transient is not None and ledger.refused[client_ref] < transient[1]:
            ledger.refuse(client_ref)
            ledger.stats["transient"] += 1
            code = "throttled" if transient[0] == 429 else "temporarily_unavailable"
            return transient[0], {"code": code, "message": "try again later"}
        message = ledger.accept(client_ref, to, fields["text"], fields["sign"], rules.undeliverable_for(to))
        callbacks.schedule_receipt(message)
        return 200, {"message_id": message.message_id, "duplicate": False}

    @app.post(SEND_PATH)
    async def send(request: Request) -> Response:
        body = await request.body()
        if (refusal := verified(request, body)) is not None:
            return refusal
        fields = _fields(body, MESSAGE_FIELDS)
        if fields is None:
            ledger.stats["invalid"] += 1
            return _error(400, "invalid_request", "body must be a JSON object with to, text, sign and client_ref")
        status, answer = take(fields)
        return _json(answer, status)

    @app.post(BATCH_PATH)
    async def send_batch(request: Request) -> Response:
        body = await request.body()
        if (refusal := verified(request, body)) is not None:
            return refusal
        data = _json_body(body)
        items = data.get("messages") if isinstance(data, dict) else None
        fields = [_fields(item, MESSAGE_FIELDS) for item in items] if isinstance(items, list) else []
        if not 1 <= len(fields) <= BATCH_LIMIT or any(f is None for f in fields):
            ledger.stats["invalid"] += 1
            why = (
                f"body must be a JSON object with 1 to {BATCH_LIMIT} messages, each with to, text, sign and client_ref"
            )
            return _error(400, "invalid_request", why)
        ledger.stats["batches"] += 1
        results = []
        for item in fields:
            assert item is not None
            status, answer = take(item)
            results.append({"client_ref": item["client_ref"], **answer} | ({} if status == 200 else {"status": status}))
        return _json({"results": results})

    @app.get("/v1/handsets")
    async def handsets(to: str | None = None, counts: bool = False) -> Response:
        """The messages each phone received that the stand-in still holds (the newest ``max_messages``);
        ``counts=true``: how many each phone received in all, forgotten ones included."""
        if to is not None:
            return _json({"to": to, "messages": ledger.handset(to), "received": ledger.received[to]})
        if counts:
            return _json({"received": ledger.received})
        return _json({"handsets": {phone: ledger.handset(phone) for phone in ledger.handsets}})

    @app.get("/v1/stats")
    async def stats() -> Response:
        return _json(ledger.counts())

    @app.post("/v1/inbound/simulate")
    async def simulate_inbound(request: Request) -> Response:
        fields = _fields(await request.body(), ("from", "text"))
        if fields is None:
            return _error(400, "invalid_request", "body must be a JSON object with from and text")
        if callbacks.inbound_url is None:
            return _error(409, "no_inbound_url", "this stand-in has no inbound URL to forward replies to")
        status = await callbacks.forward_inbound(fields["from"], fields["text"])
        if status is None or status >= 300:
            return _error(502, "inbound_not_accepted", f"the inbound URL answered {status}")
        return _json({"forwarded": True, "status": status})

    @app.get("/healthz")
    async def healthz() -> Response:
        return _json({"status": "ok"})

    return app
