"""The CloudEvents Kafka protocol binding, binary content mode (DESIGN §4).

Attributes travel as ``ce_``-prefixed headers, ``datacontenttype`` as ``content-type`` and the data
as the JSON message value. The encoding is byte-for-byte that of the CNCF ``cloudevents`` SDK's
``to_binary`` (a test holds us to it); it is written out here because it runs on the hot path.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from ..bus.message import Message, Record
from .envelope import Envelope

CE_PREFIX = "ce_"
CONTENT_TYPE = "content-type"
_ATTRIBUTES = (
    "id",
    "source",
    "type",
    "specversion",
    "time",
    "subject",
    "dataschema",
    "sequence",
    "correlationid",
    "causationid",
    "campaign",
)


class MalformedEvent(ValueError):
    """A record is not a valid Kepuri CloudEvent; the reason says why."""


def format_time(value: datetime) -> str:
    """RFC 3339 as the SDK writes it: ISO 8601 with ``Z`` for UTC."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def encode_data(data: dict[str, Any]) -> bytes:
    """The message value: the event data as the SDK's JSON format writes it."""
    return json.dumps(data).encode("utf-8")


def to_message(envelope: Envelope, topic: str) -> Message:
    """Encode an envelope as a binary-mode message keyed by its subject (the aggregate id)."""
    headers: list[tuple[str, bytes]] = []
    for name in _ATTRIBUTES:
        value = getattr(envelope, name)
        if value is None:
            continue
        text = format_time(value) if isinstance(value, datetime) else str(value)
        headers.append((CE_PREFIX + name, text.encode()))
    headers.append((CONTENT_TYPE, envelope.datacontenttype.encode()))
    return Message(topic, envelope.subject.encode(), encode_data(envelope.data), tuple(headers))


# Header name -> attribute, for the names our codec and the SDK write; others take the slow path.
_KNOWN_HEADERS = {CE_PREFIX + name: name for name in _ATTRIBUTES} | {CONTENT_TYPE: "datacontenttype"}
_REQUIRED = ("id", "source", "type", "specversion", "subject", "dataschema", "sequence")


def from_record(record: Record | Message) -> Envelope:
    """Decode a binary-mode record into an envelope, or raise :class:`MalformedEvent` saying why."""
    attributes: dict[str, Any] = {}
    for name, raw in record.headers:
        attribute = _KNOWN_HEADERS.get(name)
        if attribute is None:
            lowered = name.lower()
            if lowered.startswith(CE_PREFIX):
                attribute = lowered[len(CE_PREFIX) :]
            elif lowered == CONTENT_TYPE:
                attribute = "datacontenttype"
            else:
                continue
        try:
            attributes[attribute] = raw.decode()
        except UnicodeDecodeError as exc:
            raise MalformedEvent(f"header {name} is not UTF-8") from exc
    missing = [a for a in _REQUIRED if a not in attributes]
    if missing:
        raise MalformedEvent(f"missing CloudEvents attributes: {', '.join(missing)}")
    if attributes["specversion"] != "1.0":
        raise MalformedEvent(f"unsupported specversion {attributes['specversion']!r}")
    try:
        data = orjson.loads(record.value)
    except orjson.JSONDecodeError as exc:
        raise MalformedEvent(f"data is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedEvent("data is not a JSON object")
    try:
        return Envelope.model_validate({**attributes, "data": data})
    except ValidationError as exc:
        raise MalformedEvent(f"invalid envelope: {exc.errors(include_url=False)}") from exc
