"""Payloads of the restricted contacts stream, read only by the notification service (DESIGN §4).

Personal data travels only on this topic; the general topics carry masked values. Since v2 of
``science-workers-listed`` a worker's personal data is sealed under that person's own key (see
:mod:`shared.privacy`): destroying the key erases them from every copy of this topic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import EventPayload


class ScienceWorkerContact(BaseModel):
    """One participating science worker as listed by the organizer (v1, in clear)."""

    model_config = ConfigDict(frozen=True)

    worker_id: str
    name: str
    phone: str
    organisation: str | None = None


class ScienceWorkersListedV1(EventPayload):
    """v1, superseded: the list with every worker's contact in clear (it cannot be erased from the log)."""

    event_type = "science-workers-listed"
    version = 1

    activity_id: str
    organizer_name: str
    workers: list[ScienceWorkerContact]


class ListedScienceWorker(BaseModel):
    """One listed science worker: sealed under the person's key (``key_id`` and ``sealed``), or in clear
    (``worker_id``, ``name``, ``phone``) only when upcast from v1. The sealed values are the clear fields."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    key_id: str | None = Field(None, description="The person's key in the key vault; gone once the person is erased")
    sealed: str | None = Field(None, description="AES-256-GCM of {worker_id, name, phone, organisation}, base64url")
    worker_id: str | None = None
    name: str | None = None
    phone: str | None = None
    organisation: str | None = None

    @model_validator(mode="after")
    def _sealed_or_clear(self) -> ListedScienceWorker:
        if (self.key_id is None) != (self.sealed is None):
            raise ValueError("key_id and sealed go together")
        if self.sealed is None and (self.worker_id is None or self.name is None or self.phone is None):
            raise ValueError("a worker is sealed, or has worker_id, name and phone")
        return self


class ScienceWorkersListed(EventPayload):
    """The organizer listed the science workers taking part in an activity (restricted topic, sealed)."""

    event_type = "science-workers-listed"
    version = 2

    activity_id: str
    organizer_name: str
    workers: list[ListedScienceWorker]


def science_workers_listed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 workers were in clear; v2 takes them as they are (those events cannot be shredded)."""
    return data


class PasswordResetRequested(EventPayload):
    """Someone asked to reset an account's forgotten password: the code to text to its phone (restricted
    topic: the phone and the code are in clear). The code is single use and expires at ``expires_at``;
    registration keeps only its hash, so this event is the code's only clear copy, read by notification."""

    event_type = "password-reset-requested"
    version = 1

    account_id: str
    phone: str
    code: str
    expires_at: datetime
