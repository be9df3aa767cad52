"""The ports registration's service layer needs: what a command asks of the world, as abstract classes.

The adapters implement them over the database (``adapters/activity_store.py``, ``adapters/access_store.py``),
the key vault (``adapters/personal_keys.py``), argon2 (``adapters/password_hashing.py``), the attempt
buckets (``adapters/attempt_buckets.py``) and the campaign
cache (``service/activities.CampaignBook``); the fast tests subclass them with in-memory fakes
(``tests/registration/fakes.py``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.events.payloads.restricted import ScienceWorkersListed
from shared.store import Changes

from ..domain.activity import Activity, Decision, WorkerList
from ..domain.campaign import Campaign

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The time now, in UTC."""
    return datetime.now(UTC)


class ActivityStore(ABC):
    """Activities as the commands load them and commit their decisions."""

    @abstractmethod
    async def get(self, activity_id: str) -> Activity | None:
        """The activity's current state, or None."""

    @abstractmethod
    async def unit_region(self, unit_id: str) -> str | None:
        """The region the unit signed up in, or None for no such unit."""

    @abstractmethod
    async def commit(
        self,
        decision: Decision,
        expected: int,
        now: datetime,
        sealed: ScienceWorkersListed | None = None,
        also: Changes | None = None,
    ) -> None:
        """Write the decision's event at ``expected + 1``, its state and its sealed list in one transaction
        (``also`` too); a stale ``expected`` raises ``ConcurrencyError``, a broken guard ``IntegrityViolation``."""


class CampaignStore(ABC):
    """Campaign configurations as the campaign commands keep them, each with its version."""

    @abstractmethod
    async def save(self, campaign: Campaign, expected_version: int) -> int:
        """Configure the campaign at ``expected_version`` (0: a new one); its new version. A stale one
        raises ``ConcurrencyError``."""

    @abstractmethod
    async def get(self, campaign_id: str) -> tuple[Campaign, int] | None:
        """The campaign and its version, or None."""

    @abstractmethod
    async def all(self) -> list[tuple[Campaign, int]]:
        """Every campaign and its version, the newest year first (then by id)."""


class CampaignSource(ABC):
    """The campaigns as activities consult them."""

    @abstractmethod
    async def get(self, campaign_id: str) -> Campaign:
        """The campaign; an unknown one is a broken rule (``campaign_id``)."""


class KeyPlanLocks(ABC):
    """Which counties' 附件1 key-activity plans the city has signed off (their key activities are locked)."""

    @abstractmethod
    async def signed_off(self, campaign_id: str, *counties: str | None) -> str | None:
        """The first of ``counties`` whose plan is signed off, or None."""


class WorkerSealer(ABC):
    """Seals science-worker lists with each person's key (erasable by destroying the key)."""

    @abstractmethod
    async def seal(self, workers: WorkerList) -> ScienceWorkersListed:
        """The restricted event of the list, each worker's fields sealed."""

    @abstractmethod
    async def held(self, listed: ScienceWorkersListed) -> bool:
        """Whether every key ``listed`` is sealed with is still its person's."""


class PasswordHashing(ABC):
    """Passwords made into argon2id hashes and checked against them, off the event loop's thread.

    The adapter (``adapters/password_hashing.py``) runs the hashing on a pool as wide as the machine's
    cores; every hash keeps the parameters it was made with, so :meth:`needs_rehash` says whether a
    login should store a new one after the parameters changed.
    """

    @abstractmethod
    async def hash(self, password: str) -> str:
        """A new salted hash of ``password`` with the configured parameters."""

    @abstractmethod
    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` is the one hashed; False too when ``password_hash`` is not a hash."""

    @abstractmethod
    def needs_rehash(self, password_hash: str) -> bool:
        """Whether a valid ``password_hash`` was made with other parameters than the configured ones."""


class AccountRecords(ABC):
    """Accounts as a login finds them, and where it stores a password's new hash."""

    @abstractmethod
    async def find(self, login: str) -> Mapping[str, Any] | None:
        """The whole account row of ``login`` (its password hash included), or None."""

    @abstractmethod
    async def replace_hash(self, account_id: str, old_hash: str, new_hash: str) -> None:
        """Store ``new_hash`` if the account's hash is still ``old_hash`` (a password changed meanwhile wins)."""


@dataclass(frozen=True)
class Limit:
    """``allowed`` attempts per ``window_seconds``, as a token bucket: ``allowed`` at once, then one
    more every ``window_seconds / allowed`` seconds. ``name`` keeps each limit's buckets apart."""

    name: str
    allowed: int
    window_seconds: float

    @property
    def per_second(self) -> float:
        return self.allowed / self.window_seconds

    def seconds_until_one(self, tokens: float) -> int | None:
        """Whole seconds until a bucket holding ``tokens`` has one (None: it has one now)."""
        return None if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.per_second))


Attempt = tuple[Limit, str]  # a limit and the key (a login, a phone, an address) it is counted under


class AttemptBuckets(ABC):
    """The account limits' token buckets, one per limit and key, as every process of the service sees
    them: N API workers or replicas enforce one limit together, not N limits."""

    @abstractmethod
    async def take(self, attempts: Sequence[Attempt]) -> int | None:
        """Take a token from every attempt's bucket, or from none when one of them has none: None when
        taken, else the whole seconds until every one has a token."""

    @abstractmethod
    async def give_back(self, attempts: Sequence[Attempt]) -> None:
        """Return a token taken for each (the attempt turned out not to count); a bucket never holds
        more than its limit allows."""
