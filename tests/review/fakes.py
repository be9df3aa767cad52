"""Fakes of review's ports (cosmicpython's FakeRepository / FakeUnitOfWork): each subclasses the port it
stands for and keeps its state in plain dicts, so the service layer runs without a database.

A :class:`FakeStore` records every :class:`Changes` a command submits (``submitted``) and can lose the
first races (``lose``: so many submits raise ``ConcurrencyError``, as a commit behind another would), or
stand for a request whose Idempotency-Key's twin has committed (``twin_committed``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from services.review.adapters.reads import fields_of
from services.review.adapters.rows import new_row, recommendation_of
from services.review.domain.bodies import Body
from services.review.domain.chain import Chain, Kind
from services.review.domain.errors import NotEligible, Unknown
from services.review.domain.recommendations import Recommendation
from services.review.domain.summaries import ReporterId, SummaryReport, SummaryRules
from services.review.service.ports import (
    AttachmentStore,
    Clock,
    CommandStore,
    ContentReads,
    QueueFilter,
    RecommendationReads,
    Regions,
    Row,
    SummaryReads,
)
from shared.events import CATALOG
from shared.store import Changes, ConcurrencyError

R = TypeVar("R")
T = TypeVar("T")


class FakeClock(Clock):
    """A clock that says what the test tells it."""

    def __init__(self, today: date = date(2026, 9, 20)) -> None:
        self.day = today

    def now(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 4, tzinfo=UTC)

    def today(self) -> date:
        return self.day


class FakeRegions(Regions):
    def __init__(self, names: dict[str, str] | None = None) -> None:
        self.names = names or {"6105": "渭南市", "610502": "临渭区", "610503": "华州区"}

    def name(self, code: str) -> str | None:
        return self.names.get(code)

    def children(self, parent: str = "") -> list[tuple[str, str]]:
        return sorted((c, n) for c, n in self.names.items() if c.startswith(parent) and len(c) == len(parent) + 2)


class FakeAttachments(AttachmentStore):
    def __init__(self) -> None:
        self.files: dict[tuple[str, str], bytes] = {}

    async def put(self, summary_id: str, file_id: str, data: bytes) -> None:
        self.files[(summary_id, file_id)] = data

    async def get(self, summary_id: str, file_id: str) -> bytes | None:
        return self.files.get((summary_id, file_id))


class FakeStore(CommandStore[R]):
    """Reads from ``reads`` as they are; records what is submitted (nothing is applied to ``reads``)."""

    def __init__(self, reads: R, *, lose: int = 0, twin_committed: bool = False) -> None:
        self.reads = reads
        self.lose = lose
        self.twin_committed = twin_committed  # a request with the same Idempotency-Key has committed
        self.read_count = 0
        self.submitted: list[Changes] = []

    async def read(self, work: Callable[[R], Awaitable[T]]) -> T:
        self.read_count += 1
        return await work(self.reads)

    async def submit(self, changes: Changes) -> None:
        if self.lose:
            self.lose -= 1
            raise ConcurrencyError("fake", 0, 1)
        self.submitted.append(changes)

    async def superseded(self) -> bool:
        return self.twin_committed

    @property
    def events(self) -> list[Any]:
        """The payloads of every event submitted, in order."""
        return [CATALOG.payload(e) for c in self.submitted for a in c.appends for e in a.events]


def activity_row(activity_id: str = "act-1", **fields: Any) -> dict[str, Any]:
    """A row of review's view of activities, as ``ContentReads`` / ``RecommendationReads`` hand it over:
    registered in 临渭区 (610502), campaign 2026, approved and completed unless told."""
    row: dict[str, Any] = {
        "activity_id": activity_id,
        "campaign": "2026",
        "name": "走进科技馆",
        "organizer_id": "unit-1",
        "organizer_name": "临渭区科普单位",
        "region_code": "610502",
        "category": "系列联合行动",
        "joint_action": None,
        "themes": json.dumps(["卫生健康"], ensure_ascii=False),
        "format": "offline",
        "registered_at": datetime(2026, 9, 1, tzinfo=UTC),
        "status": "registered",
        "info_completed": True,
        "review": "approved",
        "review_version": 1,
        "review_reason": None,
        "reviewed_by": None,
        "science_workers": 3,
        "completeness": 0.9,
    }
    row.update(fields)
    return row


class FakeContentReads(ContentReads):
    def __init__(self, *rows: dict[str, Any], versions: dict[str, int] | None = None) -> None:
        self.rows = {row["activity_id"]: row for row in rows}
        self.judged = dict(versions or {})

    async def activities(self, activity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {i: dict(self.rows[i]) for i in activity_ids if i in self.rows}

    async def versions(self, activity_ids: Sequence[str]) -> dict[str, int]:
        return {i: self.judged[i] for i in activity_ids if i in self.judged}

    async def queue(
        self, body: Body, wanted: QueueFilter, after: tuple[datetime, str] | None, limit: int
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        inside = [
            r
            for r in self.rows.values()
            if r["status"] == "registered"
            and body.covers(r["region_code"], fields_of(r))
            and (wanted.campaign is None or r["campaign"] == wanted.campaign)
        ]
        counts = {s: sum(1 for r in inside if r["review"] == s) for s in ("pending", "approved", "rejected")}
        ordered = sorted(
            (r for r in inside if r["review"] == wanted.status), key=lambda r: (r["registered_at"], r["activity_id"])
        )
        if after is not None:
            ordered = [r for r in ordered if (r["registered_at"], r["activity_id"]) > after]
        return [dict(r) for r in ordered[:limit]], counts


class FakeRecommendationReads(RecommendationReads):
    """Campaign chains, view rows, recommendation rows, claims and quota places, as the test sets them."""

    def __init__(self, chain: Chain | None = None) -> None:
        self.chains: dict[str, Chain | None] = {"2026": chain} if chain is not None else {}
        self.activities: dict[str, dict[str, Any]] = {}
        self.units: dict[str, dict[str, Any]] = {}
        self.unit_activity_fields: dict[tuple[str, str], tuple[str, ...]] = {}
        self.rows: dict[str, dict[str, Any]] = {}
        self.claims: dict[tuple[str, str, str], str] = {}
        self.slots: dict[tuple[str, str, str], set[int]] = {}

    def add(self, rec: Recommendation, now: datetime, *, subject_name: str = "走进科技馆") -> Recommendation:
        """Put a recommendation in the fake, as a committed one would be."""
        self.rows[rec.id] = new_row(rec, subject_name, "临渭区科普单位", {"reason": "好"}, now)
        return rec

    async def chain(self, campaign_id: str) -> Chain:
        if campaign_id not in self.chains:
            raise Unknown(f"活动年度 {campaign_id} 不存在 (no such campaign)")
        found = self.chains[campaign_id]
        if found is None:
            raise NotEligible(f"{campaign_id} 没有推荐环节 (the campaign has no recommendation step)")
        return found

    async def activity(self, activity_id: str) -> Row | None:
        return self.activities.get(activity_id)

    async def unit(self, unit_id: str) -> Row | None:
        return self.units.get(unit_id)

    async def unit_fields(self, campaign_id: str, unit_id: str) -> tuple[str, ...] | None:
        return self.unit_activity_fields.get((campaign_id, unit_id))

    async def recommendation_row(self, recommendation_id: str) -> Row | None:
        return self.rows.get(recommendation_id)

    async def recommendation(self, recommendation_id: str) -> Recommendation | None:
        row = self.rows.get(recommendation_id)
        return recommendation_of(row) if row is not None else None

    async def claimant(self, campaign_id: str, kind: Kind, subject_id: str) -> str | None:
        return self.claims.get((campaign_id, kind, subject_id))

    async def taken_slots(self, campaign_id: str, body_id: str, kind: Kind) -> set[int]:
        return set(self.slots.get((campaign_id, body_id, kind), set()))


class FakeSummaryReads(SummaryReads):
    """Campaigns' summary steps, units and reports, as the test sets them."""

    def __init__(self, *rules: SummaryRules) -> None:
        self.steps = {r.campaign_id: r for r in rules}
        self.units: dict[str, dict[str, Any]] = {}
        self.saved: dict[str, SummaryReport] = {}
        self.due_organizers: list[ReporterId] = []

    async def rules(self, campaign_id: str) -> SummaryRules:
        if campaign_id not in self.steps:
            raise Unknown(f"活动年度 {campaign_id} 不存在 (no such campaign)")
        return self.steps[campaign_id]

    async def unit(self, unit_id: str) -> Row | None:
        return self.units.get(unit_id)

    async def report(self, summary_id: str) -> SummaryReport | None:
        return self.saved.get(summary_id)

    async def reports(self, campaign_id: str) -> list[SummaryReport]:
        return [r for r in self.saved.values() if r.campaign_id == campaign_id]

    async def organizers(self, campaign_id: str, region: str) -> list[ReporterId]:
        return [r for r in self.due_organizers if r.region_code.startswith(region)]
