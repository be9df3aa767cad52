"""Payloads of the privacy stream: the audit of erasures. They carry no personal data."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .base import EventPayload


class PersonalDataErased(EventPayload):
    """A data subject's personal data was erased (PIPL art. 47): their key is destroyed and every
    service deletes what it holds of them in clear. Only opaque key ids and counts travel here."""

    event_type = "personal-data-erased"
    version = 1

    erasure_id: str
    key_ids: list[str] = Field(description="The destroyed keys: services forget whatever they opened with them")
    science_worker_entries: int = Field(0, description="Listings of the person as a science worker, kept as counts")
    contact_entries: int = Field(0, description="Activities whose contact person the person was")
    requested_by: str = Field(description="The admin account that ordered the erasure")
    erased_at: datetime
