"""The data sets registration's decisions consult (what they refuse is in :mod:`.errors`)."""

from __future__ import annotations

from typing import Protocol

from .errors import RuleBroken


class Regions(Protocol):
    """The GB/T 2260 divisions (an adapter provides the data set)."""

    def exists(self, code: str) -> bool: ...


def require_region(regions: Regions, code: str) -> None:
    """Refuse a division code that is not in the data set."""
    if not regions.exists(code):
        raise RuleBroken("region_code", f"行政区划代码 {code} 不存在 (no such GB/T 2260 division)")
