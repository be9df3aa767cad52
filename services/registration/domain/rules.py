"""What registration's decisions refuse, and the data sets they consult."""

from __future__ import annotations

from typing import Protocol


class RuleBroken(ValueError):
    """A command would break a rule of the domain; ``field`` names what is wrong (answered as 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Regions(Protocol):
    """The GB/T 2260 divisions (an adapter provides the data set)."""

    def exists(self, code: str) -> bool: ...


def require_region(regions: Regions, code: str) -> None:
    """Refuse a division code that is not in the data set."""
    if not regions.exists(code):
        raise RuleBroken("region_code", f"行政区划代码 {code} 不存在 (no such GB/T 2260 division)")
