"""Blanking the contact typed into recommendation forms whose phone an erasure names (by keyed digest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from shared.privacy import phone_digest

from .tables import recommendations


def forget(connection: Connection, key: bytes, digests: set[str]) -> int:
    """Blank the contact of every form whose contact phone has one of ``digests``; how many forms."""
    r = recommendations
    forgotten = 0
    for recommendation_id, form_json in connection.execute(select(r.c.recommendation_id, r.c.form)):
        form = json.loads(form_json)
        phone = form.get("contact_phone")
        if phone and phone_digest(key, phone) in digests:
            form.update(contact_name=None, contact_phone=None)
            connection.execute(
                r.update()
                .where(r.c.recommendation_id == recommendation_id)
                .values(form=json.dumps(form, ensure_ascii=False), updated_at=datetime.now(UTC))
            )
            forgotten += 1
    return forgotten
