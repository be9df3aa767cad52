"""Answers recomputed at most once a second, however many ask: analytics' dashboard snapshot and
statistics queries and the public directory's searches share this, so fifty viewers of one page
cost the database what one does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Cached(Generic[T]):
    """A value recomputed at most once per ``max_age_s``, or per ``COST_FACTOR`` times what computing it
    last took when that is longer (so the dashboard takes at most a fifth of the database's time
    however large the views grow); concurrent askers share one computation."""

    COST_FACTOR = 5.0

    def __init__(self, compute: Callable[[], Awaitable[T]], max_age_s: float) -> None:
        self.compute = compute
        self.max_age_s = max_age_s
        self.value: T | None = None
        self.taken = 0.0
        self.cost = 0.0
        self.lock = asyncio.Lock()

    async def get(self) -> T:
        async with self.lock:
            age = time.monotonic() - self.taken
            if self.value is None or age >= max(self.max_age_s, self.COST_FACTOR * self.cost):
                started = time.monotonic()
                self.value = await self.compute()
                self.taken = time.monotonic()
                self.cost = self.taken - started
            return self.value


class Answers:
    """One :class:`Cached` per query key (a route and its parameters), at most ``max_age_s`` old.

    Keeps at most ``limit`` keys (the oldest forgotten first), so odd parameters cannot fill memory.
    """

    def __init__(self, max_age_s: float = 1.0, limit: int = 1024) -> None:
        self.max_age_s = max_age_s
        self.limit = limit
        self._answers: dict[Hashable, Cached[object]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        cached = self._answers.get(key)
        if cached is None:
            if len(self._answers) >= self.limit:
                self._answers.pop(next(iter(self._answers)))
            cached = self._answers[key] = Cached(compute, self.max_age_s)
        return await cached.get()  # type: ignore[return-value]
