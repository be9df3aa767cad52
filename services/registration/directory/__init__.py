"""The public activity directory: a view of the streams (search, filters, near-me) and the public's
check-ins and feedback. Wired in :mod:`services.registration.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from shared.web.answer_cache import Answers

from .criteria import Criteria, Page
from .participation import Participation
from .queries import DirectoryQueries
from .routes import PublicRoutes


@dataclass(frozen=True)
class Directory:
    """What the directory's routes use."""

    queries: DirectoryQueries
    participation: Participation
    answers: Answers | None = None  # None: every search is its own query
    routes: PublicRoutes | None = None  # the science routes (科普路线); None where not wired

    async def search(self, criteria: Criteria) -> Page:
        """A page of the search. Everyone asking the same (a province's activities today, a common
        word) shares one page for up to the answers' age; near-me asks are all different and are
        not shared."""
        if self.answers is None or criteria.near is not None:
            return await self.queries.search(criteria)
        return await self.answers.get(criteria, lambda: self.queries.search(criteria))
