"""Payloads of the privacy stream: the audit of erasures and of staff reading contacts in clear. They carry
no personal data."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .base import EventPayload


class PersonalDataErased(EventPayload):
    """A data subject's personal data was erased (PIPL art. 47): their key is destroyed and every
    service deletes what it holds of them in clear. Only opaque key ids, keyed digests and counts travel here."""

    event_type = "personal-data-erased"
    version = 1

    erasure_id: str
    key_ids: list[str] = Field(description="The destroyed keys: services forget whatever they opened with them")
    science_worker_entries: int = Field(0, description="Listings of the person as a science worker, kept as counts")
    contact_entries: int = Field(0, description="Activities whose contact person the person was")
    unit_contacts: int = Field(
        0, description="Units whose own contact person the person was (unit kept, contact erased)"
    )
    accounts_closed: int = Field(0, description="Accounts whose login was the phone: disabled, tokens revoked")
    subject_digests: list[str] = Field(
        default_factory=list,
        description="HMAC-SHA256 of the erased phone's digits under the key vault's matching key "
        "(shared/privacy/digests.py): services holding phones typed by their users forget the ones that match",
    )
    requested_by: str = Field(description="The admin account that ordered the erasure")
    erased_at: datetime


class ContactsViewed(EventPayload):
    """A staff member (reviewer or admin) read activities' contact persons in clear (负责人, 联系电话), in an
    附件1 sheet of their jurisdiction: who, which sheet, how many activities, when. The contacts themselves
    never travel here."""

    event_type = "contacts-viewed"
    version = 1

    view_id: str
    viewer: str = Field(description="The staff account that read them (the token's subject)")
    role: str = Field(description="reviewer or admin")
    body: str = Field(description="The body it acts for: county:610502, city:6105, national:CN …")
    campaign_id: str
    sheet: str = Field(description="What was read, e.g. 附件1 (the activities' plan table)")
    region: str | None = Field(None, description="The region prefix of the sheet (None: the whole country)")
    key_only: bool = Field(False, description="Only key activities (重点活动)")
    activities: int = Field(description="How many activities' contacts the sheet showed")
    viewed_at: datetime
