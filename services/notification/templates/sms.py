"""How many SMS a text costs.

Chinese SMS are sent in UCS-2: one message holds 70 characters; a longer text is split into parts of
67 (the other 3 carry the concatenation header). Characters outside the Basic Multilingual Plane
(rare characters in names such as 𠮷, emoji) take two UCS-2 units, so they count twice. The
provider adds the signature (``【签名】``) to the text, so pass it when the count must be exact.
"""

from __future__ import annotations

from typing import Final

SINGLE: Final = 70
PART: Final = 67


def sms_units(text: str) -> int:
    """Length in UCS-2 (UTF-16) code units, the measure providers bill by."""
    return len(text.encode("utf-16-le")) // 2


def sms_segments(text: str, sign: str | None = None) -> int:
    """Number of SMS needed for ``text`` (0 for an empty text); ``sign`` is added as ``【sign】``."""
    if not text:
        return 0
    units = sms_units(text) + (sms_units(sign) + 2 if sign else 0)
    if units <= SINGLE:
        return 1
    return -(-units // PART)
