"""Phone digests: how an erasure names the phone it erased without the phone ever travelling.

``personal-data-erased`` carries ``HMAC-SHA256(k, phone)`` of the erased phone (its digits only, so
``0913-2123456`` and ``09132123456`` match), where ``k`` is the platform's matching key in the key
vault (:meth:`~shared.privacy.vault.KeyVault.matching_key`, name :data:`PHONE_DIGESTS`). A service
that keeps phones in clear typed by its own users (review's recommendation forms) computes the digest
of each phone it holds and forgets the ones that match. Without ``k`` a digest cannot be tested
against the few billion possible phone numbers, so the privacy topic and its backups reveal nothing;
with ``k`` a service learns only whether a phone it already holds was erased.
"""

from __future__ import annotations

import hashlib
import hmac
import re

PHONE_DIGESTS = "phone-digests"


def phone_digest(key: bytes, phone: str) -> str:
    """The hex HMAC-SHA256 of the phone's digits under the matching ``key``."""
    digits = re.sub(r"\D", "", phone)
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()
