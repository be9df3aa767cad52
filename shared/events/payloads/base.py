"""The base class of every event payload in the catalog."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """An immutable, versioned event payload.

    Readers ignore fields they do not know, so adding an optional field is a compatible change;
    anything else is a new version with an upcaster (see :mod:`shared.events.upcasting`).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    version: ClassVar[int]
