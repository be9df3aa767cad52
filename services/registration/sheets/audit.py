"""The audit of contacts read in clear: one ``contacts-viewed`` event on the privacy topic per sheet a
staff member exported, committed before the sheet is handed over (no audit, no sheet)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.auth import Principal
from shared.events import CATALOG
from shared.events.payloads.privacy import ContactsViewed
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes

from .disclosure import Disclosure

SOURCE = "/kepuri/registration"
SHEET = "附件1"


async def record_contacts_viewed(
    backbone: Backbone, principal: Principal, disclosure: Disclosure, campaign_id: str, key_only: bool, rows: int
) -> str:
    """Append and publish (through the outbox) who read how many activities' contacts; the view id."""
    view_id = uuid.uuid4().hex
    payload = ContactsViewed(
        view_id=view_id,
        viewer=principal.subject,
        role=principal.role,
        body=disclosure.body or principal.role,
        campaign_id=campaign_id,
        sheet=SHEET,
        region=disclosure.region,
        key_only=key_only,
        activities=rows,
        viewed_at=datetime.now(UTC),
    )
    envelope = CATALOG.envelope(
        payload, subject=view_id, sequence=1, source=SOURCE, correlationid=correlation_id.get(), campaign=campaign_id
    )
    await backbone.writer.submit(Changes(appends=[AggregateAppend(view_id, 0, [envelope])]))
    return view_id
