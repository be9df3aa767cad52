"""The ports review's service layer needs: where commands read and commit, the clock, regions, files.

Adapters implement them (``adapters/``: SQL over review's tables, local files, the system clock);
the composition root (``bootstrap.py``) picks one of each; tests subclass them with fakes
(``tests/review/fakes.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from shared.store import Changes, IntegrityViolation

from ..domain.bodies import Body
from ..domain.chain import Chain, Kind
from ..domain.recommendations import Recommendation
from ..domain.summaries import ReporterId, SummaryReport, SummaryRules

R = TypeVar("R")
T = TypeVar("T")
Row = dict[str, Any]


class Clock(ABC):
    """What time it is: ``now`` in UTC (row stamps), ``today`` in China (deadlines, history days)."""

    @abstractmethod
    def now(self) -> datetime: ...

    @abstractmethod
    def today(self) -> date: ...


class Regions(Protocol):
    """The GB/T 2260 divisions (a division's name, the divisions just below a code);
    ``shared.regions.PackagedRegions`` is one."""

    def name(self, code: str) -> str | None: ...

    def children(self, parent: str = "") -> list[tuple[str, str]]: ...


class AttachmentStore(ABC):
    """Keeps the bytes of attached files by (summary id, file id)."""

    @abstractmethod
    async def put(self, summary_id: str, file_id: str, data: bytes) -> None: ...

    @abstractmethod
    async def get(self, summary_id: str, file_id: str) -> bytes | None: ...


class ClaimTaken(IntegrityViolation):
    """A commit lost to another request holding the same claim (the same Idempotency-Key): the
    command must not decide again; the other request's answer is the answer."""


class CommandStore(ABC, Generic[R]):
    """Where a command decides (``read``: one read transaction over the reads ``R``) and commits
    (``submit``: its :class:`Changes`, the only commit; a lost race raises ``ConcurrencyError`` or
    ``IntegrityViolation``, and the command reads and decides again)."""

    @abstractmethod
    async def read(self, work: Callable[[R], Awaitable[T]]) -> T: ...

    @abstractmethod
    async def submit(self, changes: Changes) -> None: ...

    async def superseded(self) -> bool:
        """Whether a request holding the same claim as this one (the same Idempotency-Key) has committed:
        then a refusal this request meets is that request's doing, and its answer is the answer."""
        return False


@dataclass(frozen=True)
class QueueFilter:
    """Which activities of the content-review queue: a review status and the caller's filters."""

    status: str = "pending"
    campaign: str | None = None
    region: str | None = None
    category: str | None = None


class ContentReads(ABC):
    """What content review reads of review's view of activities and of its event store."""

    @abstractmethod
    async def queue(
        self, body: Body, wanted: QueueFilter, after: tuple[datetime, str] | None, limit: int
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """Up to ``limit`` activities in the body's jurisdiction after ``after`` (registered at, id),
        oldest first, and the number per review status under the same filters."""

    @abstractmethod
    async def activities(self, activity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The view rows of those of ``activity_ids`` that exist, by id."""

    @abstractmethod
    async def versions(self, activity_ids: Sequence[str]) -> dict[str, int]:
        """Each activity's review aggregate version in the event store (absent: never judged)."""


class RecommendationReads(ABC):
    """What the recommendation commands read: the campaign's chain, the subject, the recommendation,
    who holds a subject's claim and which quota places a body has taken."""

    @abstractmethod
    async def chain(self, campaign_id: str) -> Chain:
        """The campaign's chain (``Unknown`` for no campaign, ``NotEligible`` when it has no chain)."""

    @abstractmethod
    async def activity(self, activity_id: str) -> Row | None: ...

    @abstractmethod
    async def unit(self, unit_id: str) -> Row | None: ...

    @abstractmethod
    async def unit_fields(self, campaign_id: str, unit_id: str) -> tuple[str, ...] | None:
        """The fields of the unit's registered activities of the campaign; None when it has none."""

    @abstractmethod
    async def recommendation_row(self, recommendation_id: str) -> Row | None: ...

    @abstractmethod
    async def recommendation(self, recommendation_id: str) -> Recommendation | None: ...

    @abstractmethod
    async def claimant(self, campaign_id: str, kind: Kind, subject_id: str) -> str | None:
        """The open recommendation that holds the subject, if any."""

    @abstractmethod
    async def taken_slots(self, campaign_id: str, body_id: str, kind: Kind) -> set[int]: ...


class SummaryReads(ABC):
    """What summary reports read: the campaign's summary step, units, reports and the organizers due."""

    @abstractmethod
    async def rules(self, campaign_id: str) -> SummaryRules:
        """The campaign's summary step (``Unknown`` for no campaign, ``NotEligible`` when it has none)."""

    @abstractmethod
    async def unit(self, unit_id: str) -> Row | None: ...

    @abstractmethod
    async def report(self, summary_id: str) -> SummaryReport | None: ...

    @abstractmethod
    async def reports(self, campaign_id: str) -> list[SummaryReport]: ...

    @abstractmethod
    async def organizers(self, campaign_id: str, region: str) -> list[ReporterId]:
        """The units with a registered activity in the campaign, in ``region`` (a code prefix)."""
