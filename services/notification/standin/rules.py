"""Which numbers the stand-in fails on purpose, and how (matched by the number's ending)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def _permanent() -> dict[str, tuple[str, str]]:
    return {
        "0000": ("invalid_number", "号码无效 (invalid number)"),
        "0002": ("template_rejected", "模板未通过审核 (template rejected)"),
        "0003": ("recipient_opted_out", "用户已退订 (recipient opted out)"),
    }


def _transient() -> dict[str, tuple[int, int]]:
    return {"0001": (503, 1), "0005": (429, 1)}


def _undeliverable() -> dict[str, str]:
    return {"0006": "UNDELIVERED: 用户关机 (handset switched off)"}


@dataclass(frozen=True)
class FailureRules:
    """Failures by number ending; the first matching ending wins.

    - ``permanent``: ending → (code, reason), answered 400 ``{"code", "message"}`` every time;
    - ``transient``: ending → (HTTP status, attempts): the first ``attempts`` sends of each
      ``client_ref`` are answered with that status (503, 429, ...), later ones are accepted;
    - ``undeliverable``: ending → error: accepted, never reaches the handset, and the receipt says
      ``failed`` with that error.
    """

    permanent: Mapping[str, tuple[str, str]] = field(default_factory=_permanent)
    transient: Mapping[str, tuple[int, int]] = field(default_factory=_transient)
    undeliverable: Mapping[str, str] = field(default_factory=_undeliverable)

    @classmethod
    def none(cls) -> FailureRules:
        """No failures at all (benchmarks)."""
        return cls(permanent={}, transient={}, undeliverable={})

    def permanent_for(self, to: str) -> tuple[str, str] | None:
        return next((rule for ending, rule in self.permanent.items() if to.endswith(ending)), None)

    def transient_for(self, to: str) -> tuple[int, int] | None:
        return next((rule for ending, rule in self.transient.items() if to.endswith(ending)), None)

    def undeliverable_for(self, to: str) -> str | None:
        return next((error for ending, error in self.undeliverable.items() if to.endswith(ending)), None)
