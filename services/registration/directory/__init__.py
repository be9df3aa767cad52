"""The public activity directory: a view of the streams (search, filters, near-me) and the public's
check-ins and feedback. Wired in :mod:`services.registration.bootstrap`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from shared.web.answer_cache import Answers

from .criteria import Criteria, Page
from .participation import Participation
from .queries import DirectoryQueries
from .routes import PublicRoutes

T = TypeVar("T")


@dataclass(frozen=True)
class Directory:
    """What the directory's routes use."""

    queries: DirectoryQueries
    participation: Participation
    answers: Answers | None = None  # None: every search is its own query
    routes: PublicRoutes | None = None  # the science routes (科普路线); None where not wired

    async def search(self, criteria: Criteria) -> Page:
        """A page of the search, shared as :meth:`shared` says."""
        return await self.shared(criteria, lambda: self.queries.search(criteria))

    async def shared(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """What ``compute`` answers for ``key`` (a search's criteria, an activity's page). Everyone asking
        the same (a province's activities today, a common word, a popular activity) shares one answer for
        up to the answers' age; near-me searches are all different and are not shared."""
        if self.answers is None or (isinstance(key, Criteria) and key.near is not None):
            return await compute()
        return await self.answers.get(key, compute)
