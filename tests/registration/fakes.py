"""In-memory fakes of registration's ports (``services/registration/service/ports.py``), for the fast tests.

Each subclasses the port it stands for, so a port that grows a method breaks the fakes loudly; the
activity store keeps what was committed, as the commands' only way to write, so a test reads back
exactly what a command wrote (its decisions, the sealed lists, the ``also`` it was given).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from services.registration.domain.activity import Activity, Decision, WorkerList
from services.registration.domain.campaign import Campaign, Window
from services.registration.domain.errors import RuleBroken
from services.registration.domain.rules import Regions
from services.registration.service.ports import (
    AccountRecords,
    ActivityStore,
    Attempt,
    AttemptBuckets,
    CampaignSource,
    KeyPlanLocks,
    PasswordHashing,
    WorkerSealer,
)
from shared.events.payloads.restricted import ListedScienceWorker, ScienceWorkersListed
from shared.store import Changes, ConcurrencyError


@dataclass
class Committed:
    decision: Decision
    expected: int
    now: datetime
    sealed: ScienceWorkersListed | None
    also: Changes | None


class FakeActivityStore(ActivityStore):
    """Activities in a dict; a commit at a stale version is a :class:`ConcurrencyError`, as on a database."""

    def __init__(self, units: dict[str, str] | None = None) -> None:
        self.activities: dict[str, Activity] = {}
        self.units = dict(units or {})  # unit id -> the region it signed up in
        self.committed: list[Committed] = []

    async def get(self, activity_id: str) -> Activity | None:
        return self.activities.get(activity_id)

    async def unit_region(self, unit_id: str) -> str | None:
        return self.units.get(unit_id)

    async def commit(
        self,
        decision: Decision,
        expected: int,
        now: datetime,
        sealed: ScienceWorkersListed | None = None,
        also: Changes | None = None,
    ) -> None:
        activity = decision.activity
        current = self.activities.get(activity.id)
        actual = current.version if current else 0
        if actual != expected:
            raise ConcurrencyError(activity.id, expected, actual)
        self.activities[activity.id] = activity
        self.committed.append(Committed(decision, expected, now, sealed, also))


class FakeCampaigns(CampaignSource):
    def __init__(self, *campaigns: Campaign) -> None:
        self.campaigns = {c.id: c for c in campaigns}

    async def get(self, campaign_id: str) -> Campaign:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise RuleBroken("campaign_id", f"活动年度 {campaign_id} 不存在 (no such campaign)")
        return campaign


@dataclass
class FakeKeyPlanLocks(KeyPlanLocks):
    signed: set[tuple[str, str]] = field(default_factory=set)  # (campaign, county) signed off

    async def signed_off(self, campaign_id: str, *counties: str | None) -> str | None:
        return next((c for c in counties if c and (campaign_id, c) in self.signed), None)


class FakeSealer(WorkerSealer):
    """Seals each worker under key ``k1`` (no cipher); ``held`` answers what the test says."""

    def __init__(self) -> None:
        self.keys_held = True
        self.sealings = 0

    async def seal(self, workers: WorkerList) -> ScienceWorkersListed:
        self.sealings += 1
        listed = [ListedScienceWorker(key_id="k1", sealed=f"sealed:{w.worker_id}") for w in workers.workers]
        return ScienceWorkersListed(
            activity_id=workers.activity_id, organizer_name=workers.organizer_name, workers=listed
        )

    async def held(self, listed: ScienceWorkersListed) -> bool:
        return self.keys_held


class FakeRegions(Regions):
    """The GB/T 2260 divisions a test names (by default Xi'an's Yanta district and its parents)."""

    def __init__(self, *codes: str) -> None:
        self.codes = set(codes or ("610000", "610100", "610113"))

    def exists(self, code: str) -> bool:
        return code in self.codes


class FakePasswordHashing(PasswordHashing):
    """Hashes that show their password and the ``cost`` they were made with (``fake$<cost>$<password>``);
    a hash of another cost needs a rehash, and anything else is not a hash. Every call is counted."""

    def __init__(self, cost: int = 2) -> None:
        self.cost = cost
        self.hashed: list[str] = []
        self.verified: list[str] = []

    async def hash(self, password: str) -> str:
        self.hashed.append(password)
        return f"fake${self.cost}${password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        kind, _cost, hashed = [*password_hash.split("$", 2), "", ""][:3]
        return kind == "fake" and hashed == password

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash.split("$")[1] != str(self.cost)


class FakeAttemptBuckets(AttemptBuckets):
    """The buckets in a dict: (limit, key) → (tokens, when counted); no entry is a full bucket."""

    def __init__(self, clock: Callable[[], float] = lambda: 0.0) -> None:
        self.clock = clock
        self.buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def _tokens(self, attempt: Attempt, now: float) -> float:
        limit, key = attempt
        tokens, counted = self.buckets.get((limit.name, key), (float(limit.allowed), now))
        return min(float(limit.allowed), tokens + max(0.0, now - counted) * limit.per_second)

    async def take(self, attempts: Sequence[Attempt]) -> int | None:
        now = self.clock()
        held = {(limit.name, key): (limit, self._tokens((limit, key), now)) for limit, key in attempts}
        waits = [wait for limit, tokens in held.values() if (wait := limit.seconds_until_one(tokens)) is not None]
        if waits:
            return max(waits)
        self.buckets.update((bucket, (tokens - 1.0, now)) for bucket, (_limit, tokens) in held.items())
        return None

    async def give_back(self, attempts: Sequence[Attempt]) -> None:
        for limit, key in attempts:
            if (limit.name, key) in self.buckets:
                tokens, counted = self.buckets[limit.name, key]
                self.buckets[limit.name, key] = (min(float(limit.allowed), tokens + 1.0), counted)


class FakeAccountRecords(AccountRecords):
    """Account rows by login; a hash is replaced only where it is still the old one, as in SQL."""

    def __init__(self, *rows: Mapping[str, Any]) -> None:
        self.rows = {row["login"]: dict(row) for row in rows}
        self.replaced: list[tuple[str, str, str]] = []

    async def find(self, login: str) -> Mapping[str, Any] | None:
        row = self.rows.get(login)
        return dict(row) if row is not None else None

    async def replace_hash(self, account_id: str, old_hash: str, new_hash: str) -> None:
        self.replaced.append((account_id, old_hash, new_hash))
        for row in self.rows.values():
            if row["account_id"] == account_id and row["password_hash"] == old_hash:
                row["password_hash"] = new_hash


class FixedClock:
    """The time a test says (set ``now`` to move it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def campaign(campaign_id: str = "2026", **overrides: object) -> Campaign:
    """A national campaign whose registration is open through 2026 (week 2026-09-12..18)."""
    fields: dict[str, object] = {
        "id": campaign_id,
        "year": 2026,
        "title": "2026年全国科普日",
        "theme": None,
        "week": Window(date(2026, 9, 12), date(2026, 9, 18)),
        "registration": Window(date(2026, 1, 1), date(2026, 12, 31)),
        "info_completion_deadline": date(2026, 12, 31),
        **overrides,
    }
    return Campaign(**fields)  # type: ignore[arg-type]


NOW = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
