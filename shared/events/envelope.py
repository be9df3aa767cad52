"""The CloudEvents 1.0 envelope every Kepuri event travels in (DESIGN §4)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

SPECVERSION = "1.0"
JSON = "application/json"


class Envelope(BaseModel):
    """One CloudEvent: the context attributes, Kepuri's extensions and the JSON data.

    ``subject`` is the aggregate id (and the partition key), ``sequence`` the aggregate version the
    event created, ``dataschema`` names the payload's type and version so a reader can upcast it.
    Extensions follow the CloudEvents naming rule (lower-case letters and digits only).
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    specversion: str = SPECVERSION
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    datacontenttype: str = JSON
    dataschema: str
    sequence: int = Field(ge=1)
    correlationid: str | None = None
    causationid: str | None = None
    campaign: str | None = None
    data: dict[str, Any]

    @property
    def version(self) -> int:
        """The payload schema version, read from ``dataschema``."""
        return schema_version(self.dataschema)


# CloudEvents' dataschema is a URI: absolute, so a consumer outside the platform can fetch it. The
# base is where the JSON Schemas of docs/events/ are published (``KEPURI_EVENTS_SCHEMA_BASE``); the
# default, under the reserved .example domain (RFC 2606), says plainly that it is still to be set.
DEFAULT_SCHEMA_BASE = "https://schemas.kepuri.example/events/"
_schema_base = DEFAULT_SCHEMA_BASE


def checked_schema_base(base: str) -> str:
    """``base`` ending in one ``/``; ValueError unless it is an absolute http(s) URI."""
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"the events' schema base must be an absolute https URI, not {base!r}")
    if len(base) > 80:  # the events table keeps dataschema in 128 characters
        raise ValueError(f"the events' schema base must be at most 80 characters, not {len(base)}")
    return base.rstrip("/") + "/"


def use_schema_base(base: str) -> None:
    """Make ``base`` the prefix of every ``dataschema`` this process writes from now on."""
    global _schema_base
    _schema_base = checked_schema_base(base)


def dataschema_uri(event_type: str, version: int) -> str:
    """The ``dataschema`` value of a payload version: its JSON Schema's absolute URI under the base."""
    return f"{_schema_base}{schema_name(event_type, version)}"


def schema_name(event_type: str, version: int) -> str:
    """The last segment of a payload version's ``dataschema``: the file name in docs/events/."""
    return f"{event_type}.v{version}.json"


def names_schema(dataschema: str, event_type: str, version: int) -> bool:
    """Whether ``dataschema`` names that payload version, under any base: events written before the
    base was absolute (``/events/<type>.v<N>.json``) or under another base still decode."""
    return dataschema.rsplit("/", 1)[-1] == schema_name(event_type, version)


def schema_version(dataschema: str) -> int:
    """The version number encoded in a ``dataschema`` value made by :func:`dataschema_uri`."""
    try:
        return int(dataschema.rsplit(".v", 1)[1].removesuffix(".json"))
    except (IndexError, ValueError) as exc:
        raise ValueError(f"dataschema {dataschema!r} does not name a version") from exc
