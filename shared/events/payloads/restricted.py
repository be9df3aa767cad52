"""Payloads of the restricted contacts stream, read only by the notification service (DESIGN §4).

Personal data travels only on this topic; the general topics carry masked values.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .base import EventPayload


class ScienceWorkerContact(BaseModel):
    """One participating science worker as listed by the organizer."""

    model_config = ConfigDict(frozen=True)

    worker_id: str
    name: str
    phone: str
    organisation: str | None = None


class ScienceWorkersListed(EventPayload):
    """The organizer listed the science workers taking part in an activity (restricted topic)."""

    event_type = "science-workers-listed"
    version = 1

    activity_id: str
    organizer_name: str
    workers: list[ScienceWorkerContact]
