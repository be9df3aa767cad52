"""The store's exception vocabulary, the same on every backend (modelled on PEP 249).

The driver's own error is always kept as ``__cause__``.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or is busy now; retrying later may succeed."""


class IntegrityViolation(StoreError):
    """A write broke a uniqueness or other integrity rule of the database."""


class ConcurrencyError(IntegrityViolation):
    """An aggregate was changed since it was read: the expected version is no longer current.

    The APIs answer it with 409 Conflict; the client reloads and decides again.
    """

    def __init__(self, aggregate_id: str, expected: int, actual: int | None) -> None:
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.actual = actual
        found = "unknown" if actual is None else str(actual)
        super().__init__(f"{aggregate_id} is at version {found}, not the expected {expected}")
