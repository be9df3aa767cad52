"""The ways a review command or query can be refused: a plain vocabulary, free of HTTP.

Each says which rule refused and, where one is to blame, the ``field``; ``api/errors.py`` answers
each kind as problem+json (its status and title), in one place.
"""

from __future__ import annotations

from collections.abc import Mapping


class Refused(Exception):
    """A rule refused the command; ``detail`` says which rule, ``field`` names the input to blame."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class OutsideJurisdiction(Refused):
    """The caller's body has no jurisdiction over the activity, unit or region."""


class NotEligible(Refused):
    """The subject does not meet a condition of the rule (the detail names the condition)."""


class DeadlinePassed(Refused):
    """The level's window is closed (the detail names the deadline)."""


class QuotaFull(Refused):
    """The body's quota for this kind of recommendation is used up (the detail names the quota)."""


class WrongState(Refused):
    """The recommendation, activity or report is not in a state that allows this."""


class Unknown(Refused):
    """No such activity, unit, recommendation, report or campaign in review's view."""


class BadParameter(Refused):
    """A query parameter that does not fit this listing (``field`` names it)."""


class InvalidCursor(Refused):
    """A paging cursor that is not one this API returned."""

    def __init__(self) -> None:
        super().__init__("The cursor is not one this API returned; start again without it", field="cursor")


class BulkRefused(Refused):
    """A command on many subjects refused as a whole, naming each subject that broke a rule (nothing written)."""

    def __init__(self, failures: Mapping[str, Refused]) -> None:
        listed = "; ".join(f"{i}: {exc.detail}" for i, exc in failures.items())
        super().__init__(f"{len(failures)} 个活动不能审核通过，均未处理 (nothing was approved): {listed}")
        self.failures = dict(failures)
