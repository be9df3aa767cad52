"""Forgetting an erased person's phone and name typed into recommendation forms (``personal-data-erased``).

Forms 附件3 and 附件2 carry a contact person (name and phone) that a reviewer types in; review keeps
them in clear in ``recommendations.form`` (the events carry them masked) and prints them in its
exports. The erasure event never names the phone: it carries ``HMAC-SHA256(k, phone)`` under the key
vault's matching key ``k`` (:mod:`shared.privacy.digests`), which review may read, and nothing else of
the vault. Before each batch this view reads ``k`` (``prepare``, retried like the database while the
vault is out of reach); it then computes the digest of every contact phone in its forms and blanks
the contact (name and phone) of each form whose phone matches. Everything else of the recommendation
(its subject, chain, history, counts) stays. Erasures are rare and forms few (one per recommended
activity or unit), so a scan of the forms per erasure is cheap next to keeping a digest per form.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.privacy import PersonalDataErased
from shared.events.topics import PRIVACY
from shared.privacy import PHONE_DIGESTS, KeyVault
from shared.store import StoreUnavailable

from ..adapters.form_contacts import forget


class ErasedContacts:
    """Blanks the form contacts whose phone an erasure names (by keyed digest)."""

    name = "review.erasure"
    topics: tuple[str, ...] = (PRIVACY.name,)

    def __init__(self, vault: KeyVault) -> None:
        self._vault = vault
        self._key: bytes | None = None

    async def prepare(self, deliveries: Sequence[Delivery]) -> None:
        """Read the matching key when the batch has an erasure naming a phone (it exists once one has)."""
        if self._key is None and any(_digests(d) for d in deliveries):
            self._key = await self._vault.matching_key(PHONE_DIGESTS)
            if self._key is None:
                raise StoreUnavailable("the key vault has no phone-digest key (is it the one registration uses?)")

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        digests = {digest for d in deliveries for digest in _digests(d)}
        if digests:
            assert self._key is not None
            forget(connection, self._key, digests)


def _digests(delivery: Delivery) -> list[str]:
    return delivery.payload.subject_digests if isinstance(delivery.payload, PersonalDataErased) else []
