"""Personal data that can be forgotten: sealing with per-person keys, and the key vault that holds them.

See :mod:`shared.privacy.sealing` and :mod:`shared.privacy.vault`; docs/registration.md ("Erasure")
explains the design (crypto-shredding, DESIGN §4).
"""

from .digests import PHONE_DIGESTS, phone_digest
from .sealing import SealError, new_key, open_sealed, seal
from .vault import KeyVault

__all__ = ["PHONE_DIGESTS", "KeyVault", "SealError", "new_key", "open_sealed", "phone_digest", "seal"]
