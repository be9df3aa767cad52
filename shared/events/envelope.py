"""The CloudEvents 1.0 envelope every Kepuri event travels in (DESIGN §4)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

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


def dataschema_uri(event_type: str, version: int) -> str:
    """The ``dataschema`` value of a payload version: the path of its JSON Schema under docs/."""
    return f"/events/{event_type}.v{version}.json"


def schema_version(dataschema: str) -> int:
    """The version number encoded in a ``dataschema`` value made by :func:`dataschema_uri`."""
    try:
        return int(dataschema.rsplit(".v", 1)[1].removesuffix(".json"))
    except (IndexError, ValueError) as exc:
        raise ValueError(f"dataschema {dataschema!r} does not name a version") from exc
