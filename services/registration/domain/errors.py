"""What registration's decisions and commands refuse, in the domain's words.

Plain exceptions: no HTTP status, no problem document. The API maps each to problem+json in one place
(``api/errors.py``); a command raises them and nothing between catches them to translate.
"""

from __future__ import annotations


class DomainError(Exception):
    """Something registration refuses to do."""


class RuleBroken(DomainError, ValueError):
    """A command would break a rule of the domain; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Refused(RuleBroken):
    """The caller may not do this (its role or jurisdiction does not allow it); ``field`` names why."""


class NotFound(DomainError, LookupError):
    """No ``what`` (activity, draft, route...) with this id that the caller may see."""

    def __init__(self, what: str, id_: str) -> None:
        super().__init__(f"no {what} {id_}")
        self.what = what
        self.id = id_
