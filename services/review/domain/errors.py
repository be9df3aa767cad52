"""The ways a review command can be refused, each answered with its own HTTP status."""

from __future__ import annotations


class Refused(Exception):
    """A rule refused the command; ``status`` is the HTTP answer, ``detail`` says which rule."""

    status = 422
    title = "Unprocessable"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class OutsideJurisdiction(Refused):
    """The caller's body has no jurisdiction over the activity or unit (403)."""

    status = 403
    title = "Outside your jurisdiction"


class NotEligible(Refused):
    """The activity does not meet a condition of the rule (422, naming the condition)."""

    title = "Not eligible"


class DeadlinePassed(Refused):
    """The level's window is closed (422, naming the deadline)."""

    title = "Deadline passed"


class QuotaFull(Refused):
    """The body's quota for this kind of recommendation is used up (409, naming the quota)."""

    status = 409
    title = "Quota full"


class WrongState(Refused):
    """The recommendation or activity is not in a state that allows this (409)."""

    status = 409
    title = "Conflict"


class Unknown(Refused):
    """No such activity, unit, recommendation or campaign in review's view (404)."""

    status = 404
    title = "Not found"
