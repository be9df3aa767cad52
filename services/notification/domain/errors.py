"""Notification's refusals, in its own words: no HTTP here (``api/errors.py`` maps each to problem+json).

Each names what it is about (``thing``, ``callback``, ``rule``: a key the API turns into its title) and
says what went wrong for people (``detail``).
"""

from __future__ import annotations


class NotificationError(Exception):
    """Base of notification's refusals."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(NotificationError):
    """No such ``thing`` (``message``, ``template``, ``sms provider``), or not one the caller may see."""

    def __init__(self, thing: str, detail: str) -> None:
        super().__init__(detail)
        self.thing = thing


class Unsigned(NotificationError):
    """A provider's ``callback`` (``receipt``, ``inbound``) whose signature does not verify."""

    def __init__(self, callback: str, detail: str) -> None:
        super().__init__(detail)
        self.callback = callback


class RuleBroken(NotificationError):
    """A ``rule`` (``template``: syntax, variables, the sandbox) broken by the value of ``field``."""

    def __init__(self, rule: str, field: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.field = field
        self.message = message
