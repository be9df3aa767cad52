"""Decide on a fresh read and commit; after a lost race (another command committed first), decide again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.store import Changes, ConcurrencyError, IntegrityViolation

from ..domain.errors import Refused
from .ports import ClaimTaken, CommandStore

R = TypeVar("R")
T = TypeVar("T")
ATTEMPTS = 8
LOST_RACES: tuple[type[Exception], ...] = (IntegrityViolation, ConcurrencyError)


async def decided(
    store: CommandStore[R],
    attempt: Callable[[R], Awaitable[tuple[T, Changes]]],
    *,
    lost: tuple[type[Exception], ...] = LOST_RACES,
    skip_empty: bool = False,
) -> T:
    """Run ``attempt`` on the store's reads and submit its changes, up to :data:`ATTEMPTS` times.

    ``lost`` names the errors of a lost race; ``skip_empty`` commits nothing when no event was decided.
    A commit that lost to a request with the same Idempotency-Key, or a refusal met after such a request
    committed, raises :class:`ClaimTaken`: not decided again, the other request's answer is the answer.
    """
    for tries in range(ATTEMPTS):
        try:
            result, changes = await store.read(attempt)
        except Refused as exc:
            if await store.superseded():
                raise ClaimTaken(exc.detail) from exc
            raise
        if skip_empty and not changes.appends:
            return result
        try:
            await store.submit(changes)
        except lost as exc:
            if tries == ATTEMPTS - 1 or isinstance(exc, ClaimTaken):
                raise
            continue
        return result
    raise AssertionError("unreachable")
