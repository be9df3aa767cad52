"""What analytics refuses, in its own words: no HTTP status, no problem document.

``api/errors.py`` answers each of these as problem+json, once for every route. The message is the
detail a person reads; it says what is wrong and, where it can, what to do instead.
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """A request analytics will not answer; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(AnalyticsError):
    """The answer needs a token and none was sent."""


class Forbidden(AnalyticsError):
    """The caller's role or jurisdiction does not reach what it asked for."""


class NotFound(AnalyticsError):
    """What the request names does not exist."""


class UnknownTable(NotFound):
    """No export table by that name."""


class UnknownCampaign(NotFound):
    """A campaign analytics has not heard of (no ``campaign-configured`` on the stream)."""


class RuleBroken(AnalyticsError):
    """A request's ``field`` breaks a rule (an unknown region, a reversed span of days)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Busy(AnalyticsError):
    """Too much is open at once; worth trying again after ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StreamsFull(Busy):
    """Every dashboard stream the service allows is open."""


class ClientStreamsFull(Busy):
    """The client's address holds its share of dashboard streams."""
