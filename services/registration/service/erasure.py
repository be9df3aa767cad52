"""Erasure of a person's personal data (PIPL art. 47) by crypto-shredding, without rewriting any log.

An admin names the person by phone. Registration then, in this order:

1. destroys the person's key in the key vault: every sealed copy of their science-worker entries on
   the restricted topic (the log, its backups, any replay) becomes ciphertext nothing can open;
2. closes every account whose login is the phone (a unit's own contact person logs in with it):
   disabled and its tokens revoked (``account-disabled``, by the admin), so no token of it works again;
3. in one transaction deletes what it holds of them in clear: their science-worker rows, their place
   in activities' details (as a listed worker they stay counted; as contact person they are removed),
   a unit's contact row naming them (the unit, its activities and counts stay; it has no contact
   until it signs up anew), the login and password of the closed accounts, drafts, stored idempotent
   answers and their key mapping; records the erasure; and publishes ``personal-data-erased`` (key
   ids, a keyed digest of the phone and counts) on the privacy topic, so that notification and review
   delete their own clear copies.

Erasing is idempotent: a second request finds nothing and publishes nothing. A person listed again
afterwards is a new collection, with a new key. The general topics only ever carried masked values
(138****5678, 张**) and counts, which stay.
"""

from __future__ import annotations

import uuid

from shared.privacy import PHONE_DIGESTS, phone_digest
from shared.runtime import Backbone
from shared.store import sync_reading

from ..adapters.erasure_store import find, forget_wal, recorded, scrubbing
from ..adapters.personal_keys import PersonalKeys
from ..domain.erasure import Erasure, normalised_phone
from .access import Access

PASSES = 3  # an organizer's change racing the erasure may write the person back once; look again


class Erasures:
    """Erase a person's personal data everywhere registration keeps it, and tell the other services."""

    def __init__(self, backbone: Backbone, keys: PersonalKeys, access: Access) -> None:
        self._backbone = backbone
        self._keys = keys
        self._access = access
        self._idempotency = backbone.tables.idempotency_keys

    async def erase(self, phone: str, requested_by: str) -> Erasure:
        """Erase the person with this phone; :class:`RuleBroken` for a malformed phone."""
        phone = normalised_phone(phone)
        key_ids: list[str] = []
        workers = contacts = units = closed = destroyed = 0
        for _ in range(PASSES):
            found = await sync_reading(self._backbone.engine, lambda c: find(c, phone, self._idempotency))
            if not found:
                break
            destroyed += await self._keys.vault.destroy(found.key_ids)  # first: the log is unreadable from now
            key_ids.extend(k for k in found.key_ids if k not in key_ids)
            for account_id in found.accounts:  # before the login goes: no token of it works from now
                await self._access.disable(account_id, by=requested_by)
            changes, w, c = scrubbing(found, phone, self._idempotency)
            workers, contacts = workers + w, contacts + c
            units, closed = units + len(found.units), closed + len(found.accounts)
            await self._backbone.writer.submit(changes)
        if not (workers or contacts or key_ids or units or closed):
            return Erasure(None, 0, 0, 0)
        erasure = Erasure(uuid.uuid4().hex, workers, contacts, destroyed, units, closed)
        digest_key = await self._keys.vault.matching_key(PHONE_DIGESTS, create=True)
        assert digest_key is not None
        digests = [phone_digest(digest_key, phone)]
        await self._backbone.writer.submit(recorded(erasure, key_ids, digests, requested_by))
        await forget_wal(self._backbone.engine)
        return erasure
